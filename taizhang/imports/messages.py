"""Every message the import shows, in one place, so tests assert the exact words users read.

Cell messages are the part after "“工作表”第 N 行“列名”：" (see errors.ErrorItem.text); they name the
value that is wrong. File messages stand alone.
"""

from __future__ import annotations

# --- Cells ---------------------------------------------------------------------------------------
REQUIRED = "必填，不能为空"
NOT_DATE = "“{value}”不是日期，可写作 2023-09-05、2023/9/5、2023.9.5 或 2023年9月5日"
BAD_DATE = "“{value}”不是有效的日期"
NOT_INT = "“{value}”不是整数"
OUT_OF_RANGE = "“{value}”应在 {low} 到 {high} 之间"
NOT_CHOICE = "“{value}”不是可选值，应为：{choices}"
TOO_LONG = "内容过长（{length} 字），最多 {limit} 字"
FORMULA_NO_VALUE = "单元格是公式但没有计算结果，请在 Excel 中打开并保存后再导入，或改填数值"
CELL_ERROR = "单元格是错误值 {value}"

# --- Meaning -------------------------------------------------------------------------------------
UNKNOWN_ORG = "组织编码“{value}”不存在或不在您的管理范围内"
UNKNOWN_CAMPAIGN = "学习教育编码“{value}”不存在"
ORG_OUTSIDE_CAMPAIGN = "组织“{org}”不在学习教育“{campaign}”的范围内"
UNKNOWN_NAME = "“{name}”不是“{org}”及其下级组织的党员"
AMBIGUOUS_NAME = "“{name}”在“{org}”及其下级组织中有 {count} 人同名（{units}），无法确定是哪一位"
UNKNOWN_TYPE = "活动类型“{value}”不在可选范围内（见“填表说明”）"
UNKNOWN_PROBLEM = "问题编号“{value}”在问题清单和系统中都不存在"
AMBIGUOUS_PROBLEM = "问题编号“{value}”在多个学习教育中都有，请填写“学习教育编码”"
ROW_FAILED = "{what}“{value}”所在的“{sheet}”第 {row} 行有错误，请先改正那一行"
PRESENT_AND_ABSENT = "“{name}”同时出现在参加人员和缺席人员中"
SPEAKER_NOT_PRESENT = "发言人“{name}”不在参加人员中"
NO_ATTENDEES = "没有参加人员"
DUPLICATE_ROW = "与第 {row} 行是同一条记录（{key}）"
END_BEFORE_START = "结束日期不能早于开始日期"
CLOSED_NEEDS_DATE = "状态为“已销号”时必须填写销号日期"
DONE_NEEDS_DATE = "状态为“{status}”时必须填写完成日期"
PARENT_UNKNOWN = "上级组织编码“{value}”不存在或不在您的管理范围内"
PARENT_CYCLE = "上级组织形成了循环（{value}）"
PARENT_CHANGED = "上级组织与系统中不同（系统中为“{current}”）；调整上级组织请到“组织架构”中操作"
ROOT_NOT_ALLOWED = "没有上级组织的只能是党委，且需要全局管理权限"
KIND_UNDER_PARENT = "{parent}下不能设立{kind}"
GENDER_MISMATCH = "性别与身份证号不一致"
MEMBER_ACTIVE_CHANGED = "系统中该党员{current}；转出或恢复在册请到“党员名册”中操作"
CLOSE_NEEDS_SIGN_OFF = (
    "导入为“已销号”就是销号，需要您在“{org}”有审核销号的权限（审核领导）；请以其他状态导入，由审核领导在系统中"
    "审核销号（纸质销号的历史台账可由服务器管理员用命令行 taizhang import 导入）"
)
MEMBER_ORG_CHANGED = "身份证号为该号码的党员在“{current}”，与所填组织不同；转出转入请到“党员名册”中操作"

# --- File ----------------------------------------------------------------------------------------
FILE_TOO_LARGE = "文件超过大小限制（{limit} MB）"
FILE_EMPTY = "文件是空的"
FILE_OLD_EXCEL = "这是旧版 Excel（.xls）文件，请在 Excel 中“另存为”.xlsx 格式后再导入"
FILE_NOT_XLSX = "文件不是有效的 Excel 工作簿（.xlsx），无法读取"
FILE_UNSAFE_XML = "文件包含不安全的 XML 内容（文档类型或实体声明），已拒绝"
NO_SHEETS = "工作簿中没有可导入的工作表，工作表名称应为：{names}"
NO_HEADER = "在前 {rows} 行中没有找到表头行（应有“{columns}”等列名）"
MISSING_COLUMN = "缺少必填列“{column}”"
SHEET_TOO_MANY_ROWS = "工作表“{sheet}”有 {rows} 行，超过每个工作表 {limit} 行的上限，请分成几个文件导入"
SHEET_TOO_MANY_COLUMNS = "这一格有内容，超出了每行 {limit} 列的上限，请删除表格右侧多余的列后再导入"
WRITE_CONFLICT = "写入时与其他用户同时进行的修改冲突，没有写入任何数据，请重新导入"
INTERRUPTED = "导入过程被中断（后台任务进程重启或停止响应，重试后仍未完成），没有写入任何数据，请重新导入"
