"""The console's texts, Chinese by default and English when the operator switches (cookie ``lang``).

Templates call ``t("key")``; a key missing from a language falls back to Chinese, then to the key."""

from __future__ import annotations

from collections.abc import Callable

from backoffice.console.i18n_updates import TEXTS as UPDATES_TEXTS
from backoffice.console.remote_texts import REMOTE_TEXTS
from backoffice.console.standing_texts import STANDING_TEXTS

LANGUAGES = ("zh", "en")

TEXTS: dict[str, dict[str, str]] = {
    "title": {"zh": "政务自助终端运维控制台", "en": "Kiosk operator console"},
    "login": {"zh": "登录", "en": "Log in"},
    "logout": {"zh": "退出", "en": "Log out"},
    "name": {"zh": "用户名", "en": "Name"},
    "password": {"zh": "密码", "en": "Password"},
    "login.failed": {"zh": "用户名或密码错误", "en": "Name or password wrong"},
    "login.rate": {"zh": "尝试次数过多，请一分钟后再试", "en": "Too many attempts; wait a minute"},
    "login.expired": {"zh": "会话已超时，请重新登录", "en": "Session timed out; log in again"},
    "nav.fleet": {"zh": "终端监控", "en": "Fleet"},
    "nav.alerts": {"zh": "告警", "en": "Alerts"},
    "nav.volume": {"zh": "办件量", "en": "Cases"},
    "nav.ratings": {"zh": "好差评", "en": "Ratings"},
    "nav.rectify": {"zh": "差评整改", "en": "Rectification"},
    "nav.audit": {"zh": "审计日志", "en": "Audit"},
    "refused": {"zh": "无权访问：当前角色不能执行此操作", "en": "Refused: your role may not do this"},
    "role": {"zh": "角色", "en": "Role"},
    "terminal": {"zh": "终端", "en": "Terminal"},
    "group": {"zh": "分组", "en": "Group"},
    "status": {"zh": "状态", "en": "Status"},
    "all": {"zh": "全部", "en": "All"},
    "filter": {"zh": "筛选", "en": "Filter"},
    "online": {"zh": "在线", "en": "online"},
    "stale": {"zh": "延迟", "en": "stale"},
    "offline": {"zh": "离线", "en": "offline"},
    "devices": {"zh": "设备状态", "en": "Devices"},
    "queue": {"zh": "待上传", "en": "Queue"},
    "bundle": {"zh": "流程包", "en": "Bundle"},
    "last_case": {"zh": "最近办件", "en": "Last case"},
    "clock_offset": {"zh": "时钟偏差(秒)", "en": "Clock offset (s)"},
    "last_heartbeat": {"zh": "最近心跳", "en": "Last heartbeat"},
    "device_events": {"zh": "设备事件", "en": "Device events"},
    "heartbeats": {"zh": "心跳记录", "en": "Heartbeats"},
    "cases": {"zh": "办件", "en": "Cases"},
    "time": {"zh": "时间", "en": "Time"},
    "device": {"zh": "设备", "en": "Device"},
    "reason": {"zh": "原因", "en": "Reason"},
    "kind": {"zh": "类型", "en": "Kind"},
    "raised": {"zh": "产生时间", "en": "Raised"},
    "acknowledge": {"zh": "确认", "en": "Acknowledge"},
    "resolve": {"zh": "解除", "en": "Resolve"},
    "acknowledged": {"zh": "已确认", "en": "acknowledged"},
    "resolved": {"zh": "已解除", "en": "resolved"},
    "open": {"zh": "未处理", "en": "open"},
    "by": {"zh": "处理人", "en": "By"},
    "alert.paper_near_end": {"zh": "打印纸将尽", "en": "Paper near end"},
    "alert.paper_out": {"zh": "打印机缺纸", "en": "Paper out"},
    "alert.printer_offline": {"zh": "打印机离线", "en": "Printer offline"},
    "alert.printer_jammed": {"zh": "打印机卡纸", "en": "Printer jammed"},
    "alert.reader_gone": {"zh": "读卡器不可用", "en": "Reader gone"},
    "alert.terminal_silent": {"zh": "终端失联", "en": "Terminal silent"},
    "alert.queue_growing": {"zh": "上传队列积压", "en": "Queue growing"},
    "alert.help_call": {"zh": "群众呼叫帮助", "en": "Help call"},
    "alert.bundle_refused": {"zh": "流程包被拒绝", "en": "Bundle refused"},
    "alert.bundle_rolled_back": {"zh": "流程包已回退", "en": "Bundle rolled back"},
    "alert.rectify_overdue": {"zh": "差评整改超期", "en": "Rectification overdue"},
    "alert.citizen_session.rate": {"zh": "查询人数异常", "en": "Subject-rate alarm"},
    "period": {"zh": "统计周期", "en": "Period"},
    "day": {"zh": "日", "en": "Day"},
    "week": {"zh": "周", "en": "Week"},
    "month": {"zh": "月", "en": "Month"},
    "from": {"zh": "开始", "en": "From"},
    "to": {"zh": "结束", "en": "To"},
    "by_period": {"zh": "按时间", "en": "By period"},
    "by_service": {"zh": "按事项", "en": "By service"},
    "by_terminal": {"zh": "按终端", "en": "By terminal"},
    "by_group": {"zh": "按分组", "en": "By group"},
    "by_outcome": {"zh": "按结果", "en": "By outcome"},
    "item_code": {"zh": "事项编码", "en": "Item code"},
    "service": {"zh": "事项名称", "en": "Service"},
    "count": {"zh": "数量", "en": "Count"},
    "outcome": {"zh": "办理结果", "en": "Outcome"},
    "export_csv": {"zh": "导出CSV", "en": "Export CSV"},
    "export_xlsx": {"zh": "导出Excel", "en": "Export Excel"},
    "level.5": {"zh": "非常满意", "en": "Very satisfied"},
    "level.4": {"zh": "满意", "en": "Satisfied"},
    "level.3": {"zh": "基本满意", "en": "Fairly satisfied"},
    "level.2": {"zh": "不满意", "en": "Dissatisfied"},
    "level.1": {"zh": "非常不满意", "en": "Very dissatisfied"},
    "ratings_total": {"zh": "评价总数", "en": "Ratings"},
    "good_rate": {"zh": "好评率", "en": "Good rate"},
    "bad_count": {"zh": "差评数", "en": "Bad ratings"},
    "indicators": {"zh": "评价指标", "en": "Indicators"},
    "indicator_scores": {
        "zh": "分项评价（GB/T 39734-2020 线上/自助指标）",
        "en": "Per indicator (GB/T 39734-2020 online/self-service set)",
    },
    "indicator_good_rate": {"zh": "满意率", "en": "Rated good"},
    "bad_reasons": {"zh": "差评内容", "en": "What the bad ratings name"},
    "rectify.status.open": {"zh": "待回访", "en": "Awaiting callback"},
    "rectify.status.called_back": {"zh": "已回访", "en": "Called back"},
    "rectify.status.rectified": {"zh": "已整改", "en": "Rectified"},
    "rectify.status.verified": {"zh": "已核实", "en": "Verified"},
    "rectify.status.closed": {"zh": "已办结", "en": "Closed"},
    "assignee": {"zh": "责任人", "en": "Assignee"},
    "due": {"zh": "整改期限", "en": "Due"},
    "overdue": {"zh": "已超期", "en": "Overdue"},
    "escalated": {"zh": "已督办", "en": "Escalated"},
    "assign": {"zh": "分派", "en": "Assign"},
    "callback": {"zh": "记录回访", "en": "Record callback"},
    "rectify": {"zh": "记录整改", "en": "Record rectification"},
    "evidence": {"zh": "整改佐证", "en": "Evidence"},
    "verify": {"zh": "核实", "en": "Verify"},
    "close": {"zh": "办结", "en": "Close"},
    "note": {"zh": "说明", "en": "Note"},
    "monthly_report": {"zh": "月度报告", "en": "Monthly report"},
    "callback_rate": {"zh": "回访率", "en": "Callback rate"},
    "rectify_rate": {"zh": "整改率", "en": "Rectification rate"},
    "ontime_rate": {"zh": "按期整改率", "en": "On-time rate"},
    "history": {"zh": "处理记录", "en": "History"},
    "actor": {"zh": "操作人", "en": "Actor"},
    "action": {"zh": "操作", "en": "Action"},
    "subject": {"zh": "对象", "en": "Subject"},
    "screen": {"zh": "所在页面", "en": "Screen"},
    "screen.attract": {"zh": "首页", "en": "Attract"},
    "screen.catalog": {"zh": "事项目录", "en": "Catalog"},
    "screen.intro": {"zh": "办事指南", "en": "Guide"},
    "screen.identify": {"zh": "身份核验", "en": "Identify"},
    "screen.step": {"zh": "办理中", "en": "In a service"},
    "screen.message": {"zh": "提示信息", "en": "Message"},
    "none": {"zh": "暂无数据", "en": "Nothing here"},
}

TEXTS |= UPDATES_TEXTS
TEXTS |= REMOTE_TEXTS
TEXTS |= STANDING_TEXTS


def translator(lang: str) -> Callable[[str], str]:
    """``t(key)`` in ``lang``, falling back to Chinese, then to the key itself."""
    lang = lang if lang in LANGUAGES else "zh"

    def t(key: str) -> str:
        texts = TEXTS.get(key)
        if texts is None:
            return key
        return texts.get(lang) or texts["zh"]

    return t
