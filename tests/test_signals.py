"""Signal detectors: each code fires where it should and stays quiet on the hard cases.

Every text here is invented (handles, numbers, shop names). Cases list the
expected signal code and, where the exact evidence matters, the original text
of each span (``original[start:end]``), so a moderator sees the right words.
"""

from __future__ import annotations

import random
import re

import pytest

from classifier import signals as signals_module
from classifier.normalize import Normalized
from classifier.signals import (
    _LIST_ANCHOR,
    _SCAM_TOPIC,
    _STUFF_WORDS,
    _TERMINATORS,
    CODES,
    Signal,
    Span,
    detect_signals,
    in_warning_context,
    on_recovery_topic,
)


def signals(text: str) -> dict[str, Signal]:
    return {s.code: s for s in detect_signals(text)}


def codes_of(found: list[Signal]) -> set[str]:
    return {s.code for s in found}


def span_texts(text: str, code: str) -> list[str]:
    return [s.text for s in signals(text)[code].spans]


# ----------------------------------------------------------------------------- cases
# (id, text, code, exact span texts or None when only "fires" is asserted)
POSITIVE: list[tuple[str, str, str, list[str] | None]] = [
    # contact_handle
    ("wechat plain", "收卡请加微信：kq_7788a", "contact_handle", ["kq_7788a"]),
    ("wechat split 薇信", "薇信 hs 52 01 长期收", "contact_handle", ["hs 52 01"]),
    ("qq full-width", "扣扣：８８２０１３５７６", "contact_handle", ["８８２０１３５７６"]),
    # contact_only
    (
        "wechat + call",
        "高价收京东卡，加微信 ka_shou520 秒结",
        "contact_only",
        ["高价收", "加微信", "ka_shou520"],
    ),
    (
        "phone + buyer's offer",
        "长期收油卡 电话 139 2233 4455",
        "contact_only",
        ["长期收", "139 2233 4455"],
    ),
    (
        "traditional + homophone",
        "請加薇信：tw_card88 高價回收",
        "contact_only",
        ["加薇信", "tw_card88", "回收"],
    ),
    (
        "mixed page: article with soliciting footer",
        "京东E卡是京东发行的预付卡，可以在京东自营商品中使用，有效期一般为三年。"
        "选择回收渠道时，建议比较各家的费率和到账时间，并保留交易记录。\n"
        "联系我们 在线咨询 微信号：jd_ek2024",
        "contact_only",
        None,
    ),
    (
        "QR code to add a person",
        "扫左边二维码加好友，直接报卡号给价",
        "contact_only",
        ["扫左边二维码加好友"],
    ),
    (
        "order flow that hands the order to a personal WeChat",
        "提交订单\n提交后请务必添加客服V信确认订单，否则订单将自动作废。\n专属客服V信：kxb-kefu-06",
        "contact_only",
        ["务必添加", "确认订单", "否则订单将自动作废", "kxb-kefu-06"],
    ),
    (
        "advice word in another sentence of the line",
        "选卡时避免过期。高价回收 加微信 ab_cd123 秒结",
        "contact_only",
        ["回收", "加微信", "ab_cd123"],
    ),
    (
        "order site that takes payment through a personal handle",
        "订单查询\n答：可以，用微信口令红包发给值班客服 wx：jkt_zb01，口令写订单号。",
        "contact_only",
        ["口令红包", "jkt_zb01"],
    ),
    ("landline is a contact", "门店电话 0571-8665 3120", "contact_handle", ["0571-8665 3120"]),
    # off_platform_payment
    (
        "usdt + wallet",
        "结算方式：USDT，发你的钱包地址",
        "off_platform_payment",
        ["USDT", "钱包地址"],
    ),
    ("amount in U", "一百面值兑14.02U，走U结算", "off_platform_payment", ["14.02U", "走U"]),
    ("口令红包", "余额提现请发支付宝口令红包", "off_platform_payment", ["口令红包"]),
    ("personal QR", "验完卡扫码付款给你，收款码在下面", "off_platform_payment", None),
    ("full-width USDT", "ＵＳＤＴ結算，當天到", "off_platform_payment", ["ＵＳＤＴ"]),
    (
        "PIN first, to the buyer",
        "京东E卡按面值全收，先发卡密，验完立刻发口令红包",
        "off_platform_payment",
        ["先发卡密", "口令红包"],
    ),
    (
        "a planted answer on a Q&A site whose menu has 个人中心",
        "问答网 首页我要提问个人中心\n网友 卡商老王\nE卡长期收，比例99，直接上纸飞机搜 @ecard_wang 私聊。",
        "contact_only",
        None,
    ),
    (
        "a planted answer another user rebuts by quoting it",
        "网友 点卡小王子\n点卡全收，给97，今天收满就停。扣扣：2781540936，备注优先处理。\n"
        "网友 不吃香菜\n“今天收满就停”这种话术看多了，楼主小心。",
        "contact_only",
        ["2781540936", "备注"],
    ),
    (
        "the PIN typed to a clerk in the site's own chat",
        "点击下一步后，请打开右下角在线客服，把卡号和卡密逐张发给验卡专员。",
        "off_platform_payment",
        ["卡密逐张发给验卡专员"],
    ),
    (
        "the PIN sent to a clerk to add",
        "请点击 QQ验卡客服 或添加验卡专员V：xgky_yanka，发送：订单号＋卡号＋卡密。",
        "off_platform_payment",
        ["添加验卡专员V：xgky_yanka，发送：订单号＋卡号＋卡密"],
    ),
    (
        "how to add the number",
        "长期收：超市卡、京东卡、油卡。价格全镇最高，当天现金。\n"
        "手机号就是薇信：159 0678 2351 加的时候说是同城网看到的",
        "contact_only",
        None,
    ),
    (
        "the writer buys cards himself under a platform-like article",
        "方式三：寄售平台回收\n在寄售平台提交卡号卡密，系统自动验卡。\n"
        "小编自己也长期收E卡，京东卡 97 折当天结，有需要的加小编微信：kqxbk_2026，备注“E卡”。",
        "contact_only",
        None,
    ),
    (
        "where to find me",
        "京东E卡 100.5 ｜ 苹果卡 102\n徽信 caixia_0918 ／ 纸飞机 @caixia_card 都能找到我，报卡种面值就行。",
        "contact_only",
        None,
    ),
    (
        "the PIN typed into a chat window",
        "好的，今天E卡是 99.5%。请把卡号和卡密直接发在这个窗口，我这边人工核对。",
        "off_platform_payment",
        ["卡密直接发在这个窗口"],
    ),
    (
        "a platform page that sends the card through a support QQ",
        "提交卡密 订单查询\n在此期间请直接联系人工客服提交：\n1）打开 QQ，添加客服 3318270546",
        "contact_only",
        ["联系人工客服提交", "3318270546"],
    ),
    (
        "a classified that takes calls only",
        "大量收购物卡 超市卡 百货卡\n沃尔玛 永辉 华润万家 本地百货卡 都要 按面值收不打折\n"
        "①⑧③ ⑦⑥⑤② 〇④⑨①\n只接电话 不回短信",
        "contact_only",
        ["①⑧③ ⑦⑥⑤② 〇④⑨①", "只接电话"],
    ),
    (
        "the card handed to a named person",
        "拍照或者复制卡号卡密发给老周，验过就结",
        "off_platform_payment",
        ["卡号卡密发给老周"],
    ),
    (
        "the PIN and more to an on-duty customer service",
        "请点击右侧“QQ交谈”，把卡号、卡密和面值一次性发给值班客服，验卡完成后为您创建订单",
        "off_platform_payment",
        ["卡密和面值一次性发给值班客服"],
    ),
    (
        "a buyer's offer in a banner, handle in numerals",
        "【收Q币、收各类游戏点卡，抠抠：二八七四六三一九五，量大价优】",
        "contact_only",
        None,
    ),
    (
        "a handle to search for",
        "收油卡，我们只用TG联系，搜 yh_kafang 就能找到我",
        "contact_only",
        ["收油卡", "联系", "搜 yh_kafang 就能找到我", "yh_kafang", "找到我"],
    ),
    (
        "a personal account to pay into",
        "保证金请转到客服的收款账户，备注订单号",
        "off_platform_payment",
        ["保证金请转到", "客服的收款账户"],
    ),
    (
        "private trade offered",
        "不走平台，可以私下交易，价格更高",
        "off_platform_payment",
        ["可以私下交易"],
    ),
    (
        "article list step before a soliciting footer",
        "在平台页面内提交卡号和密码，等待系统自动验卡；\n【油卡回收】长期收，vx：yk_zh168，量大价优",
        "contact_only",
        ["回收", "长期收", "yk_zh168", "量大价优"],
    ),
    # upfront_fee
    ("先交 N 元保证金", "出卡前需先交200元保证金", "upfront_fee", ["需先交200元保证金"]),
    ("先付押金", "新客先付二十元押金防骗子", "upfront_fee", ["先付二十元押金"]),
    ("解冻费 alone", "账户被冻结，需缴纳解冻费", "upfront_fee", ["解冻费"]),
    ("激活费", "首次提现要交激活费", "upfront_fee", ["激活费"]),
    (
        "pay the code shown below",
        "账户已冻结，扫描下方二维码付款后解冻",
        "off_platform_payment",
        ["二维码付款"],
    ),
    (
        "a fee into a supervised account",
        "请在30分钟内缴纳账户解冻费168元，解冻费请转入平台财务监管账户",
        "off_platform_payment",
        ["解冻费请转入"],
    ),
    ("tax share to a person's card", "税点先打到财务个人卡", "off_platform_payment", None),
    ("先把 a tax share", "我会请你先把百分之四的税点转给我", "upfront_fee", None),
    ("先承担 a tax share", "卖家需先承担百分之三的税点", "upfront_fee", ["需先承担百分之三的税点"]),
    ("验证金 alone", "首次提现需缴纳资金验证金", "upfront_fee", ["验证金"]),
    # a buyer's offer next to a handle is the call, however it names the cards
    ("收各种卡 beside a handle", "收各种卡 油卡 京东卡\n微信：ka_shou_77", "contact_only", None),
    # above_face_value
    ("溢价", "京东E卡溢价回收", "above_face_value", ["溢价"]),
    ("100收101", "面值100收101，当天结", "above_face_value", ["100收101"]),
    ("102%", "按面值102%收", "above_face_value", ["102%"]),
    ("Chinese numerals", "一百面值给一百零二", "above_face_value", ["一百面值给一百零二"]),
    ("rate table cell", "中石化加油卡\n96.5%\n100.5%\n", "above_face_value", ["100.5%"]),
    ("range up to 105%", "京东卡回收价98-105%", "above_face_value", ["105%"]),
    # urgency
    ("限时 名额有限 速来", "限时高价，名额有限，速来", "urgency", ["限时", "名额有限", "速来"]),
    ("秒结", "加微信秒结", "urgency", ["秒结"]),
    ("今晚前", "今晚十二点前有效", "urgency", ["今晚十二点前"]),
    # fake_guarantee
    (
        "八年老店 安全★诚信 假一赔十",
        "八年老店 安全★诚信 假一赔十",
        "fake_guarantee",
        ["八年老店", "安全★诚信", "假一赔十"],
    ),
    ("不成功不收费", "信誉保证，不成功不收费", "fake_guarantee", ["信誉保证", "不成功不收费"]),
    # keyword_stuffing
    (
        "keyword list",
        "话费回收 京东卡回收 油卡回收 超市卡回收 购物卡回收 礼品卡回收 携程卡回收",
        "keyword_stuffing",
        ["话费回收 京东卡回收 油卡回收 超市卡回收 购物卡回收 礼品卡回收 携程卡回收"],
    ),
    (
        "two comma lists",
        "积分回收，积分兑现，信用卡积分回收，移动积分回收，航空积分回收\n"
        "里程回收，里程兑现，国航里程回收，东航里程回收，南航里程回收",
        "keyword_stuffing",
        None,
    ),
    # off-platform: the card's PIN handed to a chat, a payment a platform does not refuse
    (
        "card PIN through customer service",
        "3、联系在线客服提交卡号卡密 4、客服人工核卡后结算",
        "off_platform_payment",
        ["联系在线客服提交卡号卡密"],
    ),
    ("a buyer pays into your Alipay", "老板打款到你支付宝", "off_platform_payment", ["打款到你"]),
    (
        "a fee after another's refusal",
        "解冻费都不收，但要先交保证金",
        "upfront_fee",
        ["要先交保证金"],
    ),
    (
        "a list of fees demanded",
        "先交200元保证金、激活费",
        "upfront_fee",
        ["先交200元保证金", "激活费"],
    ),
    (
        "an order a chat must confirm",
        "提交后请在十分钟内+V客服 shs_kf520 发送订单截图，未确认的订单将被系统自动关闭",
        "contact_only",
        ["+V", "shs_kf520", "订单截图", "未确认的订单"],
    ),
    (
        "a card named in the buyer's offer",
        "收京东卡，价好，电话 一五九七三四八零五一六",
        "contact_only",
        ["收京东卡", "价好", "一五九七三四八零五一六"],
    ),
    (
        "a label split by a space",
        "移动卡我这边直接收。微 信：hf 9 9 shou，备注易问",
        "contact_only",
        ["hf 9 9 shou", "备注"],
    ),
    (
        "sell it to me",
        "携程卡直接卖给我就行，一千的卡给你一千！\n微信：xc_shouka99",
        "contact_only",
        ["卖给我", "xc_shouka99"],
    ),
    # warning_context
    (
        "an article names the bait",
        "此类报价基本可以判定为以吸引卡密为目的的诱饵。",
        "warning_context",
        ["诱饵"],
    ),
    ("避坑 heading", "卡券回收避坑七条：出现任何一条，立刻停手", "warning_context", ["避坑"]),
    (
        "a reporter's narrative",
        "另一个账号则发来一张收款二维码，记者以“先付钱不放心”为由拒绝",
        "warning_context",
        ["记者"],
    ),
    (
        "someone else's QR code",
        "让你扫他的收款码，或用口令红包结算",
        "warning_context",
        ["他的收款码"],
    ),
    (
        "impersonation",
        "凡是冒用本店名义在网上让您加私人微信、先付押金的，都不是本店",
        "warning_context",
        ["凡是", "冒用"],
    ),
    (
        "what others claim",
        "陌生人“私下高价收” 常宣称95%甚至100%以上",
        "warning_context",
        ["陌生人", "宣称"],
    ),
    ("警惕 … 骗局", '警惕"加微信高价回收"骗局', "warning_context", ["警惕", "骗局"]),
    (
        "不要加陌生人",
        "不要加陌生人微信，更不要发卡密",
        "warning_context",
        ["不要加", "陌生人", "不要发卡密"],
    ),
    ("police narration", "嫌疑人谎称需要先交解冻费才能提现", "warning_context", ["嫌疑人", "谎称"]),
    ("骗走", "对方以激活费名义骗走其1900元", "warning_context", ["对方以", "骗走"]),
    (
        "what an official never asks",
        "我们不会要求您扫码付款或转账到个人账户",
        "warning_context",
        ["不会要求"],
    ),
    (
        "a scam told in the third person",
        "添加后对方发来一张收款二维码，要求先付保证金",
        "warning_context",
        ["对方发来"],
    ),
    ("不推荐", "群里私聊收卡的，不推荐", "warning_context", ["不推荐"]),
    # official_contact
    ("10086", "话费问题请拨打10086查询", "official_contact", ["10086"]),
    ("400 hotline", "客服热线：400-606-5500", "official_contact", ["400-606-5500"]),
    ("公众号", "关注微信公众号“卡宝回收”查询订单", "official_contact", None),
    # onsite_flow
    (
        "platform flow",
        "在线提交卡密，系统自动验卡，结算到支付宝",
        "onsite_flow",
        ["在线提交", "自动验卡", "结算到支付宝"],
    ),
    ("menu item", "首页\n我的订单\n帮助中心", "onsite_flow", ["我的订单"]),
    (
        "a support handle that sends trade back to the site",
        "客服微信 hemiao_kefu（仅售后咨询，订单请在网站提交）",
        "onsite_flow",
        ["请在网站提交"],
    ),
    # icp
    ("ICP", "©2024 卡宝 京ICP备2024012345号-2", "icp", ["京ICP备2024012345号-2"]),
    ("ICP 证", "粤ICP证030173号", "icp", ["粤ICP证030173号"]),
]

NEGATIVE: list[tuple[str, str, str]] = [
    # what a platform refuses, or does itself, is not off-platform payment
    (
        "an operator's warning about the PIN",
        "请注意，任何要求您把卡密“拍照发给我”的，都不是本公司工作人员。",
        "off_platform_payment",
    ),
    (
        "forwarding a post to one's mother",
        "转给我妈看了，她差点去加那个微信。",
        "off_platform_payment",
    ),
    (
        "what the buyer paid the writer",
        "他转给我的第一笔两百九十四块，用的是别人的账户。",
        "off_platform_payment",
    ),
    ("a platform refuses USDT", "本平台不支持 USDT 或其他虚拟币结算。", "off_platform_payment"),
    ("a platform forbids", "本站严禁私下交易，一经发现封号处理", "off_platform_payment"),
    (
        "the platform pays",
        "提交后系统自动验卡，成功即由平台打款到你绑定的支付宝。",
        "off_platform_payment",
    ),
    ("face to face at a shop", "街边店最好当面交易、当面验卡、当面给钱", "off_platform_payment"),
    (
        "a reporter's narrative",
        "另一个账号则发来一张收款二维码，记者以“先付钱不放心”为由拒绝",
        "off_platform_payment",
    ),
    ("someone else's QR code", "让你扫他的收款码，或用口令红包结算", "off_platform_payment"),
    ("someone says", "有人说能帮我加急结算，要先交 50 元", "upfront_fee"),
    ("a call refused", "客服微信：dkb_kefu01（仅答疑与售后，不私下收卡）", "contact_only"),
    (
        "a quote answered with a dash",
        "“别去网站交了，加我 ｖｘ：ｈｓ９９８２，五分钟到账。”——网站慢是因为要验卡",
        "contact_only",
    ),
    (
        "lines quoted word for word",
        "王某称，他看到一则帖子，内容如下（原文照录）：\n【长期大量收卡】京东卡 统统收！\n"
        "有卡的朋友加扣扣：二八七六 四零 三九五一，或者加薇信同号。\n新客户首单需先付五十元手续费。",
        "upfront_fee",
    ),
    (
        "a victim tells what the buyer said",
        "他先问我卡的面值，然后他说：“卡号卡密发我验一下。”我发了。",
        "off_platform_payment",
    ),
    (
        "ads a content site says readers sent in",
        "下面这些广告原文都是读者截图发来的，大家对照看看。\n套路一：比例高得离谱\n"
        "各类游戏点卡高价回收 不限量 加v：dk 520 888 秒结 今晚十二点截止",
        "contact_only",
    ),
    (
        "a victim quotes the post he saw",
        "在贴吧看到一个帖子写着“移动卡100%回收，扣扣1306472258，秒结不拖”，我就加了。",
        "contact_only",
    ),
    (
        "ads an association lists as seen",
        "下面这几条，是协会工作人员最近一周在本地网站上随手看到的：\n"
        "油卡 超市卡 E卡 全收 加扣扣 2957130486 随时在线\n卡密发我 秒验秒打款",
        "contact_only",
    ),
    (
        "an ad a reporter excerpts",
        "记者将其中一个群置顶的广告原文摘录如下（联系方式已做部分处理）：\n"
        "【本地 收卡 不压价】京东E卡 98\n找我别找群里其他人 威信：bl ka 2 0 7 7（备注 收卡）",
        "contact_only",
    ),
    (
        "a quote named as a kind of offer",
        "当你看到有人开出“面值一百收一百零二”“话费秒结不打折”之类的价格时",
        "urgency",
    ),
    (
        "lines a notice names after them",
        "收京东E卡、天猫卡、油卡，103 收，秒到。\n不用去平台排队，扫码加我，卡密直接发我。\n"
        "近日此类信息在我县多个小区业主群内传播，已有三名群众受骗。",
        "contact_only",
    ),
    (
        "lines a heading announces",
        "紧急提醒：这类收卡信息请勿相信\n不用去平台排队，扫码加我，卡密直接发我。",
        "contact_only",
    ),
    # fees refused as a list
    (
        "a list refused after it",
        "保证金、押金、激活费、验证费、解冻费、税点——以上名目本平台一律不收。",
        "upfront_fee",
    ),
    ("a list refused before it", "不要求用户预先支付任何手续费、保证金、激活费。", "upfront_fee"),
    ("a list refused with 都", "激活费、解冻费都不收", "upfront_fee"),
    # what others claim, described in a table cell
    ("a table cell reports a demand", "私人“高价收卡”\n常要求先交“手续费”\n不确定", "upfront_fee"),
    ("a table cell reports a claim", "陌生人“私下高价收”\n号称秒到", "urgency"),
    # an official number inside a handle is no hotline
    ("a hotline's digits inside a handle", "认准本店微信 abc_12345 高价回收", "official_contact"),
    # contact_handle / contact_only
    ("official hotline is no handle", "客服热线10086，24小时服务", "contact_handle"),
    ("official hotline, no contact_only", "如有疑问请拨打客服热线 95188 咨询", "contact_only"),
    ("quoted scam handle", '警惕"加微信 ka_shou520 高价回收"骗局', "contact_only"),
    (
        "platform with support WeChat",
        "本平台在线提交卡密，系统自动验卡，结算到支付宝。\n售后客服微信：kf_help01，请先提交工单",
        "contact_only",
    ),
    ("no handle", "高价回收京东卡，欢迎咨询", "contact_only"),
    ("shop landline", "旧手机回收，当面检测报价 电话 0731-8451 2290", "contact_only"),
    ("QR code of an official account", "扫码添加微信公众号 卡宝服务", "contact_only"),
    (
        "platform: support WeChat for questions only",
        "在线提交卡密，系统自动验卡\n如有疑问可加客服微信 kb_kf01 咨询",
        "contact_only",
    ),
    # off_platform_payment
    ("platform settles", "平台自动结算到您绑定的支付宝账户", "off_platform_payment"),
    ("warning about paying by QR", "谨防骗子要求扫码付款", "off_platform_payment"),
    (
        "someone asked for the PIN first",
        "问：别人让我先发卡密验卡，可以吗？",
        "off_platform_payment",
    ),
    (
        "support WeChat that edits the user's own payout account",
        "我的订单\n售后微信 qhb_kf88 只处理订单问题，比如修改收款账户。",
        "contact_only",
    ),
    ("the seller's own payout account", "注册后绑定收款账户，再提交卡密", "off_platform_payment"),
    (
        "private trade as a noun in a report",
        "由于私下交易无从统计，整体规模只能粗略估计",
        "off_platform_payment",
    ),
    (
        "an official's never-list quoting a personal QR",
        "我们不会要求您扫码付款、转账到个人账户",
        "off_platform_payment",
    ),
    (
        "police case narrating the ad and its handle",
        "案例2：其在QQ群中看到有人称“超市卡九八折回收，秒结，扣扣：五三七二零……”，"
        "添加后对方要求其先拍摄卡号卡密“验卡”。",
        "contact_only",
    ),
    (
        "a warning about handing the card to a stranger",
        "千万别把卡号卡密发给老板模样的陌生人",
        "off_platform_payment",
    ),
    (
        "a shop's own QR at its counter",
        "按九三折当面给钱，现金微信支付宝都行（是店里的收款码）",
        "off_platform_payment",
    ),
    ("an official account to search for", "微信搜索 kabao_hs 关注公众号", "contact_only"),
    (
        "a FAQ naming its contacts (联系方式 is a noun)",
        "Q：有哪些联系方式？\nA：售后 QQ 2765013398；售后微信 dkh_help。",
        "contact_only",
    ),
    # upfront_fee
    ("no fee", "本平台零手续费，不收任何押金", "upfront_fee"),
    ("fee table", "提现手续费为0.1%，最低一元", "upfront_fee"),
    ("a warning naming the fee demand", "要求先付保证金的，一定是骗局", "upfront_fee"),
    ("the platform pays the seller", "结算金额将打入您绑定的银行卡", "off_platform_payment"),
    (
        "a buyer's reassurance is no warning",
        "这是平台的正常风控流程，不是诈骗。请缴纳解冻保证金",
        "warning_context",
    ),
    # above_face_value
    ("95折", "京东E卡95折回收", "above_face_value"),
    ("98折 is below face value", "京东E卡98折回收", "above_face_value"),
    ("92% rate", "回收价为面值的92%", "above_face_value"),
    ("100% as a claim", "100%安全 100%到账", "above_face_value"),
    ("100收95", "面值100收95", "above_face_value"),
    ("normal rate table", "京东E卡\n93%\n95.5%\n", "above_face_value"),
    # urgency
    ("speed is not urgency", "到账速度快，一般五分钟", "urgency"),
    ("quoted pressure in a warning", "骗子常催促你“马上交易”，请先停一停", "urgency"),
    # fake_guarantee
    ("no claim", "正规平台有备案，费率公开", "fake_guarantee"),
    ("quoted in a warning", "警惕“诚信老店，假一赔十”这类广告", "fake_guarantee"),
    # keyword_stuffing
    ("menu", "首页 新闻 帮助 关于我们 联系我们", "keyword_stuffing"),
    (
        "prose",
        "京东E卡可以绑定到账户后使用，余额不足时可以与其他方式组合支付。",
        "keyword_stuffing",
    ),
    # warning_context
    ("scammer's 谨防假冒", "谨防假冒，认准本人微信 abc_8899", "warning_context"),
    ("不要错过 is a lure", "不要错过今天的高价", "warning_context"),
    ("no scam topic", "小心地滑", "warning_context"),
    # official_contact
    ("personal mobile", "电话 13912345678", "official_contact"),
    # onsite_flow
    (
        "article describes a flow",
        "很多人问回收平台靠不靠谱，其实看它是否支持自动验卡、是否公示费率就知道了，这是行业常识。",
        "onsite_flow",
    ),
    (
        "an article's list step is not the site's flow",
        "注册账号并完成实名认证；\n在平台页面内提交卡号和密码，等待系统自动验卡；",
        "onsite_flow",
    ),
    # icp
    ("ICP pending", "ICP备案正在办理中", "icp"),
]


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [pytest.param(t, c, e, id=f"{c}: {i}") for i, t, c, e in POSITIVE],
)
def test_positive(text: str, code: str, expected: list[str] | None) -> None:
    found = signals(text)
    assert code in found, f"{code} did not fire; got {sorted(found)}"
    if expected is not None:
        assert span_texts(text, code) == expected


@pytest.mark.parametrize(
    ("text", "code"), [pytest.param(t, c, id=f"{c}: {i}") for i, t, c in NEGATIVE]
)
def test_negative(text: str, code: str) -> None:
    found = signals(text)
    assert code not in found, f"{code} fired on {[s.text for s in found[code].spans]}"


ALL_TEXTS = [t for _, t, _, _ in POSITIVE] + [t for _, t, _ in NEGATIVE]


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_spans_round_trip(text: str) -> None:
    """Every span is the original characters at its offsets."""
    for sig in detect_signals(text):
        assert sig.code in CODES
        assert sig.spans, sig.code
        for span in sig.spans:
            assert isinstance(span, Span)
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start : span.end] == span.text


# ----------------------------------------------------------------------------- hard cases


def test_anti_fraud_warning_quoting_the_scam() -> None:
    text = '反诈提醒：警惕"加微信 hs_8899 高价回收"骗局，不要加陌生人微信。'
    found = signals(text)
    assert "warning_context" in found
    assert "contact_only" not in found
    handle = found["contact_handle"].spans[0]
    assert handle.text == "hs_8899"
    assert in_warning_context(text, handle.start, handle.end)


def test_in_warning_context_false_for_a_solicitation() -> None:
    text = "高价回收京东卡，加微信 hs_8899 秒结，诚信老店"
    start = text.index("hs_8899")
    assert not in_warning_context(text, start, start + len("hs_8899"))


def test_in_warning_context_quote_near_a_cue() -> None:
    """A scam ad quoted on its own line, below the warning that introduces it."""
    text = "最近出现不少诈骗广告，内容大同小异：\n“收E卡 九八折 vx: ek_shou77 秒结”\n"
    start = text.index("ek_shou77")
    assert in_warning_context(text, start, start + len("ek_shou77"))
    assert "contact_only" not in signals(text)


def test_in_warning_context_mixed_page_footer_is_not_a_warning() -> None:
    """A warning in the article does not cover the soliciting footer lines below it."""
    text = (
        "谨防骗子：不要把卡密发给陌生人。\n"
        "京东E卡余额可以在京东App里查询，过期后不能延期。\n"
        "收卡热线 电话 139 2233 4455 长期收"
    )
    start = text.index("139")
    assert not in_warning_context(text, start, start + len("139 2233 4455"))
    found = signals(text)
    assert "warning_context" in found
    assert "contact_only" in found


def test_in_warning_context_rejects_bad_span() -> None:
    with pytest.raises(IndexError):
        in_warning_context("abc", 2, 9)


def test_a_platform_pages_footer_judges_its_handle_as_the_page_does() -> None:
    """A support WeChat in a platform's footer, scored as a unit, is not contact-only."""
    footer = "有问题联系客服 微信 dkb_kefu01"
    assert "contact_only" in codes_of(detect_signals(footer, on_topic=True))
    codes = codes_of(detect_signals(footer, on_platform=True, on_topic=True))
    assert "contact_handle" in codes and "contact_only" not in codes
    required = "提交后请务必添加客服微信 dkb_kefu01 确认订单"
    assert "contact_only" in codes_of(detect_signals(required, on_platform=True))


def test_contact_only_needs_a_recovery_topic_on_the_page() -> None:
    """A handle and a call on a classifieds page about a pram or a job are no recovery
    solicitation; a footer takes its page's topic."""
    pram = (
        "首页二手闲置卡券票务招聘求职\n九成新婴儿推车 便宜出\n孩子大了用不上了，三百出，先来看货。\n"
        "联系电话 158 3042 1976（王女士）"
    )
    job = "老街面馆招帮厨一名，包午饭，工资3800起。\n有意的直接来店里，或者打电话：15168430927"
    for text in (pram, job):
        codes = codes_of(detect_signals(text))
        assert "contact_handle" in codes and "contact_only" not in codes, text
    assert not on_recovery_topic(pram) and on_recovery_topic("长期收购物卡 微信 abc123")
    footer = "有问题联系客服 微信 dkb_kefu01"
    assert "contact_only" not in codes_of(detect_signals(footer))
    assert "contact_only" in codes_of(detect_signals(footer, on_topic=True))


def test_quoted_lines_end_where_the_narrative_resumes() -> None:
    """Lines after "原文照录:" are quoted up to the next long line; an ad after that counts."""
    narrative = "王某按帖子添加对方后，对方先让他发来卡号和卡密验卡，" * 7
    text = (
        "帖子内容如下（原文照录）：\n有卡的朋友加微信 hs_8899 秒结\n"
        + narrative
        + "\n有卡的朋友加微信 kb_7788 秒结"
    )
    spans = span_texts(text, "contact_only")
    assert "kb_7788" in spans and "hs_8899" not in spans


def test_official_hotlines_are_not_contact_only() -> None:
    text = "话费余额可拨打10086办理，支付宝问题请联系95188，反诈专线96110。"
    found = signals(text)
    assert "official_contact" in found
    assert [s.text for s in found["official_contact"].spans] == ["10086", "95188", "96110"]
    assert "contact_only" not in found
    assert "contact_handle" not in found


def test_platform_with_support_wechat() -> None:
    text = (
        "卡宝回收 首页 我要卖卡 订单查询\n"
        "选择卡种和面值，输入卡号卡密后点击提交，系统自动验卡，结算到您绑定的支付宝。\n"
        "售后客服微信：kabao_kf01（只处理已有订单的售后）\n"
        "京ICP备2024012345号-1"
    )
    found = signals(text)
    assert "onsite_flow" in found
    assert "contact_handle" in found
    assert "contact_only" not in found
    assert "icp" in found


@pytest.mark.parametrize(
    ("text", "above"),
    [
        ("京东E卡95折回收", False),
        ("京东E卡98折回收", False),
        ("京东E卡九八折回收", False),
        ("京东E卡溢价回收", True),
        ("京东E卡按面值102%回收", True),
        ("京东E卡面值100收102", True),
        ("京东E卡一比一回收", True),
        ("京东E卡按面值全收", True),
        ("京东E卡面值全额收", True),
    ],
)
def test_face_value(text: str, above: bool) -> None:
    assert ("above_face_value" in signals(text)) is above


def test_signal_order_and_no_empty_signals() -> None:
    text = "八年老店 加微信 ab_12345 秒结 溢价回收 先交保证金 USDT结算 京ICP备12345678号"
    codes = [s.code for s in detect_signals(text)]
    assert codes == [c for c in CODES if c in codes]
    assert set(codes) >= {
        "contact_handle",
        "contact_only",
        "fake_guarantee",
        "urgency",
        "above_face_value",
        "upfront_fee",
        "off_platform_payment",
        "icp",
    }


def test_deterministic() -> None:
    text = ALL_TEXTS[0] + "\n" + "\n".join(ALL_TEXTS)
    assert detect_signals(text) == detect_signals(text)


def test_empty_text() -> None:
    assert detect_signals("") == []


def test_normalises_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """One normalisation per page, shared by every detector (contacts included)."""
    from classifier import contacts
    from classifier import signals as signals_module
    from classifier.normalize import normalize

    calls = []

    def counting(text: str):
        calls.append(text)
        return normalize(text)

    monkeypatch.setattr(signals_module, "normalize", counting)
    monkeypatch.setattr(contacts, "normalize", counting)
    text = "高价收京东卡，加微信 ka_shou520 秒结，客服热线 95188，京ICP备12345678号"
    assert {s.code for s in detect_signals(text)} >= {"contact_only", "official_contact", "icp"}
    assert len(calls) == 1


def test_stuffing_words_are_read_from_the_list_anchors_as_a_search_of_their_own() -> None:
    """``_keyword_stuffing`` takes its trade words from ``_LIST_ANCHOR``'s matches: the
    same as searching for them alone, on strings packed with both patterns' characters."""
    own = re.compile("|".join(sorted(_STUFF_WORDS)))
    chars = "".join(sorted(set(_LIST_ANCHOR.pattern) - {"|"})) + "a \n"
    rng = random.Random(4)
    for _ in range(3000):
        text = "".join(rng.choice(chars) for _ in range(rng.randrange(2, 40)))
        listed = [m.span() for m in _LIST_ANCHOR.finditer(text)]
        derived = [(a, b) for a, b in listed if text[a:b] in _STUFF_WORDS]
        assert derived == [m.span() for m in own.finditer(text)], text
    assert set(_LIST_ANCHOR.pattern.split("|")) > _STUFF_WORDS


@pytest.mark.parametrize(
    ("text", "warned"),
    [
        ("请勿相信 加微信", ["勿相信"]),  # a scam word in the cue's sentence
        ("请勿相信。加微信", []),  # only in the next sentence
        ("不要\n加微信", ["不要\n加"]),  # the cue runs over the break and touches it
        ("不要\n加他", []),
    ],
)
def test_warning_context_needs_a_scam_word_in_or_touching_the_cue(text, warned) -> None:
    found = signals(text).get("warning_context")
    assert ([s.text for s in found.spans] if found else []) == warned


def test_scam_words_are_plain_words_within_a_sentence() -> None:
    """Searched sentence by sentence: no word may hold a terminator or need context."""
    for word in _SCAM_TOPIC.pattern.split("|"):
        assert re.escape(word) == word and not set(word) & set(_TERMINATORS), word


def _branches_led_by_no_literal(pattern: re.Pattern[str]) -> list[str]:
    """The top-level branches of ``pattern`` that do not start with a literal character.

    ``re`` skips ahead to the positions a pattern can start at only when it knows
    the first character of every branch; one branch led by a group, a class or a
    look-around makes it try the whole pattern at every position.
    """
    from re import _constants as sre
    from re import _parser

    items = list(_parser.parse(pattern.pattern, pattern.flags))
    while items and items[0][0] is sre.SUBPATTERN:
        items = list(items[0][1][3])
    if not items or items[0][0] is not sre.BRANCH:
        return []
    branches = [list(branch) for branch in items[0][1][1]]
    return [str(b)[:80] for b in branches if not b or b[0][0] is not sre.LITERAL]


def test_the_detectors_patterns_let_re_skip_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pattern searched over whole pages leads each branch with a literal (``_each``):
    a branch such as ``(?:添加|加)…`` or ``[他她]…`` once made three of them 3-8x slower.

    The patterns are the ones detection really searches, signals' and contacts' alike,
    recorded as ``Normalized.found`` is asked for them.
    """
    searched: dict[str, re.Pattern[str]] = {}
    found = Normalized.found

    def recording(self, key, pattern, *args, **kwargs):
        searched.setdefault(key, pattern)
        return found(self, key, pattern, *args, **kwargs)

    monkeypatch.setattr(Normalized, "found", recording)
    for text in ALL_TEXTS:
        detect_signals(text)
    assert len(searched) >= 20  # signals' and contacts' patterns
    patterns = [*searched.values(), signals_module._RECOVERY_TOPIC]
    # and those searched only when another finds something (a buyer's offer, a ratio)
    patterns += [*signals_module._LINE_LOCAL, *signals_module._CROSSING]
    patterns += [*signals_module._CROSSING_GROUPS]
    slow = {p.pattern[:40]: _branches_led_by_no_literal(p) for p in patterns}
    assert not {k: v for k, v in slow.items() if v}
