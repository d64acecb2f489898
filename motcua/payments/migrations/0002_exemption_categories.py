"""Common exemption categories (editable in the admin; the legal basis is per fee)."""

from django.db import migrations

CATEGORIES = [
    ("nguoi-co-cong", "Người có công với cách mạng và thân nhân"),
    ("ho-ngheo", "Người thuộc hộ nghèo, hộ cận nghèo"),
    ("tre-em-duoi-6", "Trẻ em dưới 6 tuổi"),
    ("nguoi-cao-tuoi", "Người cao tuổi"),
    ("nguoi-khuyet-tat", "Người khuyết tật"),
    ("dan-toc-thieu-so", "Người dân tộc thiểu số ở vùng có điều kiện kinh tế - xã hội đặc biệt khó khăn"),
]


def add(apps, schema_editor):
    Category = apps.get_model("payments", "ExemptionCategory")
    for position, (code, label) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(code=code, defaults={"label": label, "position": position})


def remove(apps, schema_editor):
    apps.get_model("payments", "ExemptionCategory").objects.filter(
        code__in=[c for c, _ in CATEGORIES], exemptions__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
