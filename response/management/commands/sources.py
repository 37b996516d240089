from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from response.services.capture import CaptureError, capture_page
from response.services.sources_io import export_sources, load_sources


class Command(BaseCommand):
    help = ("采集源导入/导出/网页存档: yuqing sources load FILE.yaml | yuqing sources export | "
            "yuqing sources capture URL --out DIR")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load", "export", "capture"])
        parser.add_argument("file", nargs="?", help="load: YAML 文件；capture: 网页地址")
        parser.add_argument("--out", help="capture: 保存测试样本的目录（正文与响应头 JSON）")

    def handle(self, *args, action: str, file: str | None, out: str | None = None, **options):
        if action == "export":
            self.stdout.write(export_sources())
            return
        if action == "capture":
            return self._capture(file, out)
        if not file:
            raise CommandError("请指定 YAML 文件: yuqing sources load FILE.yaml")
        try:
            created, updated = load_sources(file)
        except (ValidationError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"采集源：新增 {created}，更新 {updated}"))

    def _capture(self, url: str | None, out: str | None) -> None:
        if not url or not out:
            raise CommandError("用法: yuqing sources capture URL --out DIR")
        try:
            saved = capture_page(url, out)
        except (CaptureError, OSError) as exc:
            raise CommandError(f"网页保存失败：{exc}") from exc
        if saved.status >= 400:
            self.stderr.write(self.style.WARNING(f"注意：服务器返回状态码 {saved.status}，已按原样保存"))
        if saved.final_url != saved.url:
            self.stdout.write(f"已跳转到：{saved.final_url}")
        if saved.encoding_note:
            self.stdout.write(f"编码提示：{saved.encoding_note}")
        self.stdout.write(self.style.SUCCESS(
            f"已保存网页：{saved.body_path}（{saved.size} 字节，编码 {saved.encoding}）\n"
            f"响应头：{saved.headers_path}"))
