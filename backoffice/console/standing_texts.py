"""The console's texts for standing values, 发布公告 and 下发设置 (merged into ``console.i18n.TEXTS``)."""

from __future__ import annotations

STANDING_TEXTS: dict[str, dict[str, str]] = {
    "standing": {"zh": "公告与设置", "en": "Announcements and settings"},
    "standing.note": {
        "zh": "常设值：后台保存，本终端（或本分组全部终端，含以后新入网、离线后重连、重装的终端）取到后生效；"
        "设置在两位群众之间生效，公告按起止时间显示在待机首页。",
        "en": "Standing values: held by the back office and applied by the terminal (or every terminal of the "
        "group, including ones enrolled later, back online or re-installed) once it fetched them; settings "
        "between citizens, announcements on the attract screen within their window.",
    },
    "standing.default_group": {
        "zh": "default 分组的设置是全部终端的基础值，各分组、各终端的设置覆盖它。",
        "en": "The default group's settings are every terminal's base; a group's or a terminal's override them.",
    },
    "standing.saved.settings": {
        "zh": "设置已保存，终端下次心跳时取用（在两位群众之间生效）",
        "en": "Settings saved: terminals take them at their next heartbeat (applied between citizens)",
    },
    "standing.saved.announcement": {
        "zh": "公告已发布，终端下次心跳时取用",
        "en": "Announcement published: terminals take it at their next heartbeat",
    },
    "standing.saved.withdrawn": {
        "zh": "公告已撤回，终端下次心跳时撤下",
        "en": "Announcement withdrawn: terminals take it down at their next heartbeat",
    },
    "standing.error": {"zh": "未保存", "en": "Not saved"},
    "standing.settings": {"zh": "设置", "en": "Settings"},
    "standing.announcements": {"zh": "公告", "en": "Announcements"},
    "standing.state.applied": {"zh": "已生效", "en": "applied"},
    "standing.state.pending": {"zh": "待生效", "en": "pending"},
    "standing.state.unknown": {"zh": "未连接", "en": "never connected"},
    "standing.own_problem": {
        "zh": "此处保存的设置含终端无法采用的值（旧版本写入），终端不会采用，请重新保存或清除",
        "en": "The settings stored here hold a value terminals cannot apply (written by an older release); "
        "save them again or clear them",
    },
    "standing.problem": {"zh": "未生效原因", "en": "Why not applied"},
    "standing.text": {"zh": "内容", "en": "Text"},
    "standing.text_zh": {"zh": "公告内容（中文）", "en": "Announcement (Chinese)"},
    "standing.text_en": {"zh": "英文（可选）", "en": "English (optional)"},
    "standing.reaches": {"zh": "范围", "en": "Reaches"},
    "standing.everywhere": {"zh": "全部终端", "en": "every terminal"},
    "standing.starts": {"zh": "开始", "en": "Starts"},
    "standing.ends": {"zh": "结束", "en": "Ends"},
    "standing.ann.in_force": {"zh": "生效中", "en": "in force"},
    "standing.ann.scheduled": {"zh": "未开始", "en": "scheduled"},
    "standing.ann.ended": {"zh": "已结束", "en": "ended"},
    "standing.withdraw": {"zh": "撤回", "en": "Withdraw"},
    "confirm.withdraw_announcement": {
        "zh": "撤回这条公告？它所到达的终端都会撤下",
        "en": "Withdraw this announcement from every terminal it reaches?",
    },
    "standing.setting": {"zh": "设置项", "en": "Setting"},
    "standing.value": {"zh": "生效值", "en": "Value"},
    "standing.source": {"zh": "来源", "en": "From"},
    "standing.source.terminal": {"zh": "终端", "en": "terminal"},
    "standing.source.group": {"zh": "分组", "en": "group"},
    "standing.source.local": {"zh": "终端本地配置文件", "en": "the terminal's own config file"},
    "standing.none_paused": {"zh": "无（全部恢复）", "en": "none (all resumed)"},
    "standing.inherit": {"zh": "不在此设置（沿用上级）", "en": "not set here (inherited)"},
    "standing.empty_inherits": {
        "zh": "留空的项不在此设置，沿用分组或终端本地配置的值。",
        "en": "A field left empty is not set here: the group's or the terminal's own value holds.",
    },
    "standing.clear": {"zh": "清除此处设置", "en": "Clear these settings"},
    "confirm.clear_settings": {
        "zh": "清除此处的全部设置？终端将沿用上级或本地配置的值",
        "en": "Clear every setting here? Terminals go back to the inherited or their own values",
    },
    "remote.paused_services": {"zh": "暂停办理的事项", "en": "Paused services"},
}
