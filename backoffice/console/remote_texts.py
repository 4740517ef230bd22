"""The console's texts for remote operations (merged into ``console.i18n.TEXTS``; kept apart so the remote
pages and other console pages can grow without editing one shared table)."""

from __future__ import annotations

REMOTE_TEXTS: dict[str, dict[str, str]] = {
    "remote": {"zh": "远程运维", "en": "Remote operations"},
    "remote.group": {"zh": "分组远程运维", "en": "Group remote operations"},
    "remote.group_link": {"zh": "对本分组全部终端操作", "en": "Act on every terminal of this group"},
    "remote.refused": {
        "zh": "当前角色只能查看远程指令，不能下发（需要发布员或管理员）",
        "en": "Your role may only read remote commands, not issue them (publisher or admin)",
    },
    "remote.pin_admin": {
        "zh": "修改维护密码需要管理员角色",
        "en": "A new maintenance PIN needs the admin role",
    },
    "remote.commands": {"zh": "远程指令", "en": "Remote commands"},
    "remote.maintenance": {"zh": "维护模式", "en": "Maintenance"},
    "remote.in_maintenance": {"zh": "维护中", "en": "in maintenance"},
    "remote.in_service": {"zh": "服务中", "en": "in service"},
    "remote.settings": {"zh": "终端设置（在两位群众之间生效）", "en": "Settings (applied between citizens)"},
    "remote.inactivity_s": {"zh": "无操作提示(秒)", "en": "Inactivity (s)"},
    "remote.countdown_s": {"zh": "返回倒计时(秒)", "en": "Countdown (s)"},
    "remote.locale": {"zh": "默认语言", "en": "Default language"},
    "remote.paused": {
        "zh": "暂停办理的事项（流程编号或事项编码，逗号分隔）",
        "en": "Paused services (flow ids or item codes, comma separated)",
    },
    "remote.paused_apply": {
        "zh": "在此设置暂停事项（留空即全部恢复）",
        "en": "Set paused services here (empty resumes all)",
    },
    "remote.pin": {"zh": "新维护密码（6-12位数字）", "en": "New maintenance PIN (6-12 digits)"},
    "remote.send": {"zh": "下发", "en": "Send"},
    "remote.args": {"zh": "参数", "en": "Arguments"},
    "remote.issued": {"zh": "下发时间", "en": "Issued"},
    "remote.by": {"zh": "下发人", "en": "Issued by"},
    "remote.acked": {"zh": "回执时间", "en": "Acknowledged"},
    "remote.sends": {"zh": "发送次数", "en": "Sent"},
    "remote.detail": {"zh": "回执说明", "en": "Detail"},
    "remote.screenshot": {"zh": "截图", "en": "Screenshot"},
    "remote.screenshot_waiting": {"zh": "等待上传", "en": "awaiting upload"},
    "remote.error": {"zh": "指令未下发", "en": "Command not queued"},
    "remote.queued": {
        "zh": "指令已排队，随下次心跳下发",
        "en": "Queued: it goes out with the next heartbeat",
    },
    "confirm.restart": {
        "zh": "重启这台终端的应用？正在办事的市民办完后才会重启。",
        "en": "Restart this terminal's app? A citizen being served finishes first.",
    },
    "confirm.restart.group": {
        "zh": "重启本分组全部终端的应用？终端数",
        "en": "Restart the app on every terminal of this group? Terminals",
    },
    "confirm.maintenance_on.group": {
        "zh": "本分组全部终端进入维护、暂停服务市民？终端数",
        "en": "Take every terminal of this group out of service for maintenance? Terminals",
    },
    "cmd.maintenance_on": {"zh": "进入维护", "en": "Maintenance on"},
    "cmd.maintenance_off": {"zh": "退出维护", "en": "Maintenance off"},
    "cmd.restart": {"zh": "重启应用", "en": "Restart app"},
    "cmd.screenshot": {"zh": "截屏", "en": "Screenshot"},
    "cmd.announcement": {"zh": "发布公告", "en": "Announcement"},
    "cmd.settings": {"zh": "下发设置", "en": "Settings"},
    "cmd.maintenance_pin": {"zh": "修改维护密码", "en": "Maintenance PIN"},
    "cmd.state.pending": {"zh": "待下发", "en": "pending"},
    "cmd.state.sent": {"zh": "已下发", "en": "sent"},
    "cmd.state.done": {"zh": "已完成", "en": "done"},
    "cmd.state.refused": {"zh": "已拒绝", "en": "refused"},
    "cmd.state.failed": {"zh": "执行失败", "en": "failed"},
    "cmd.state.expired": {"zh": "已过期", "en": "expired"},
}
