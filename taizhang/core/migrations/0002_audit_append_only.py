# The audit log is append-only (等保 8.1.4.3 c, checklist DJB-AUD-03): on PostgreSQL a trigger refuses
# UPDATE and DELETE of its rows, whoever connects. Two exceptions, both narrow:
#   - Django's SET NULL of user_id when an account is deleted (every other column unchanged);
#   - `taizhang audit_purge`, which sets taizhang.audit_purge = 'on' with SET LOCAL, i.e. only inside
#     its own transaction, and refuses to remove anything younger than 180 days.
# SQLite (development, small unclassified installs) has no session settings; there the model's
# save()/delete() refusals and the absence of any editing view are the protection.

from django.db import migrations, models

PROTECT_SQL = """
CREATE OR REPLACE FUNCTION core_auditlog_protect() RETURNS trigger AS $$
BEGIN
    IF current_setting('taizhang.audit_purge', true) = 'on' AND TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.user_id IS NOT NULL AND NEW.user_id IS NULL
       AND (to_jsonb(NEW) - 'user_id') = (to_jsonb(OLD) - 'user_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '审计日志只能追加，不能修改或删除 (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditlog_protect ON core_auditlog;
CREATE TRIGGER core_auditlog_protect BEFORE UPDATE OR DELETE ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION core_auditlog_protect();
"""

UNPROTECT_SQL = """
DROP TRIGGER IF EXISTS core_auditlog_protect ON core_auditlog;
DROP FUNCTION IF EXISTS core_auditlog_protect();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # no parameters: the '%' in RAISE is PL/pgSQL's, not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="action",
            field=models.CharField(
                choices=[
                    ("login", "登录"),
                    ("login_failed", "登录失败"),
                    ("logout", "退出"),
                    ("locked", "账户锁定"),
                    ("password", "修改密码"),
                    ("denied", "越权访问被拒绝"),
                    ("create", "新增"),
                    ("update", "修改"),
                    ("delete", "删除"),
                    ("export", "导出"),
                    ("import", "导入"),
                    ("view_pi", "查看完整个人信息"),
                    ("download", "下载附件"),
                    ("transition", "流程操作"),
                    ("role", "权限变更"),
                    ("otp", "动态验证码"),
                    ("purge", "清理过期审计日志"),
                    ("other", "其他"),
                ],
                db_index=True,
                max_length=20,
                verbose_name="操作",
            ),
        ),
        migrations.AddIndex(
            model_name="auditlog",
            index=models.Index(fields=["user", "at"], name="core_audit_user_at_idx"),
        ),
        migrations.RunPython(_on_postgresql(PROTECT_SQL), _on_postgresql(UNPROTECT_SQL)),
    ]
