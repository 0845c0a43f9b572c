"""The upload form and the export query parameters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from taizhang.core.forms import StyledFormMixin

UPLOAD_TOO_LARGE = "文件超过大小限制（{limit} MB）"
UPLOAD_NOT_XLSX = "请上传 Excel 工作簿（.xlsx）"


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="台账工作簿",
        help_text="按模板填写的 .xlsx 文件；上传后先预览，确认后才写入",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.TAIZHANG_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(UPLOAD_TOO_LARGE.format(limit=limit // 1024 // 1024))
        name = (upload.name or "").lower()
        if not name.endswith((".xlsx", ".xlsm")):
            raise forms.ValidationError(UPLOAD_NOT_XLSX)
        return upload


class ExportForm(forms.Form):
    """?sheet=…&campaign=…&org=…&status=…&type=…&kind=…&category=…&date_from=…&date_to=…&personal=1"""

    sheet = forms.CharField(label="工作表", required=False)
    campaign = forms.CharField(label="学习教育", required=False)  # an id, a code, or "all"
    org = forms.IntegerField(label="组织", required=False)
    status = forms.CharField(label="状态", required=False, max_length=32)
    type = forms.CharField(label="类型", required=False, max_length=50)
    kind = forms.CharField(label="类别", required=False, max_length=32)
    category = forms.CharField(label="问题类别", required=False, max_length=32)
    date_from = forms.DateField(label="开始日期", required=False)
    date_to = forms.DateField(label="结束日期", required=False)
    personal = forms.BooleanField(label="显示完整个人信息", required=False)

    FILTERS = ("status", "type", "kind", "category", "date_from", "date_to")
