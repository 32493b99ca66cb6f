"""``nianbao recheck [--body ID] [--year N]``: attribute and check stored documents again.

After a change of the configuration (a body's name or aliases, a new body) or an upgrade of the rules, stored
documents are attributed again and checked again. Findings keep their identity: nothing unchanged is opened,
resolved or pushed again; a report that was unattributed takes its body's findings once. The service re-checks by
itself when the rules version changes; this command is for a change of names or when a person wants it now.

Exit status: 0 done, 2 configuration error or unknown body, 1 when some documents could not be re-checked.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from monitor.app import App

EXIT_OK, EXIT_PARTIAL, EXIT_INPUT = 0, 1, 2


def run_recheck(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the re-check the arguments ask for and print what changed, in Chinese."""
    app = App.load(args.config, county=args.county)  # a ConfigError is the command line's to report
    try:
        if args.body is not None and args.body not in {b.id for b in app.config.bodies}:
            known = "、".join(b.id for b in app.config.bodies) or "无"
            err.write(f"nianbao: 参数错误：没有编号为 {args.body} 的单位（已配置：{known}）\n")
            return EXIT_INPUT
        scope = "全部已保存的报告"
        if args.body or args.year:
            scope = "、".join(x for x in (f"单位 {args.body}" if args.body else "", f"{args.year}年度" if args.year else "") if x)
        err.write(f"正在重新归属并检查{scope}……\n")
        stats = app.recheck(args.body, args.year)
        out.write(
            f"重新检查完成：检查 {stats.checked} 份，无法读取 {stats.unreadable} 份；"
            f"新发现问题 {stats.opened} 个，再次出现 {stats.reopened} 个，不再存在 {stats.resolved} 个。\n"
        )
        for line in stats.errors:
            err.write(f"nianbao: 重新检查失败：{line}\n")
        return EXIT_PARTIAL if stats.errors else EXIT_OK
    finally:
        app.close()
