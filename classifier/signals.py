"""Named, explainable signal detectors for recovery-service (回收) pages.

The classifier has to say *why* a page looks like a solicitation, so evidence is
collected as named signals, each with the exact spans of the original text that
triggered it (``original[span.start:span.end] == span.text``), ready to be
highlighted for a moderator.

Positive evidence (a solicitation): ``contact_handle``, ``contact_only``,
``off_platform_payment``, ``upfront_fee``, ``above_face_value``, ``urgency``,
``fake_guarantee``, ``keyword_stuffing``.
Negative evidence (informational or platform): ``warning_context``,
``official_contact``, ``onsite_flow``, ``icp``.

Matching runs once over the normalised text (``classifier.normalize``: full-width,
traditional characters and disguised app names already folded), and every span is
mapped back to the original. Anti-fraud pages quote the scams they warn about, so
the "calls to action" (``contact_only``, ``off_platform_payment``, ``urgency``,
``fake_guarantee``) ignore matches that sit inside a warning sentence; what the
page *describes* (``upfront_fee``, ``above_face_value``) is still reported, and
``warning_context`` tells the classifier to discount it. ``contact_only`` also
needs the page to talk of a recovery trade at all (``on_recovery_topic``): a town
board's ad for a pram with a phone number is no recovery solicitation.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from classifier import contacts as _contacts
from classifier.normalize import Normalized, normalize

__all__ = [
    "CODES",
    "NEGATIVE_CODES",
    "POSITIVE_CODES",
    "Signal",
    "Span",
    "detect_signals",
    "in_warning_context",
    "on_recovery_topic",
]

POSITIVE_CODES = (
    "contact_handle",
    "contact_only",
    "off_platform_payment",
    "upfront_fee",
    "above_face_value",
    "urgency",
    "fake_guarantee",
    "keyword_stuffing",
)
NEGATIVE_CODES = ("warning_context", "official_contact", "onsite_flow", "icp")
CODES = POSITIVE_CODES + NEGATIVE_CODES

#: Contact kinds that are a person to talk to (``payment`` is money, ``url`` a link).
_PERSONAL_KINDS = frozenset({"wechat", "qq", "phone", "telegram"})
_HANDLE_KINDS = _PERSONAL_KINDS | {"payment"}


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of the original text: ``original[start:end] == text``."""

    start: int
    end: int
    text: str


@dataclass(slots=True)
class Signal:
    """One fired signal and every place in the original text that fired it."""

    code: str
    spans: list[Span] = field(default_factory=list)


# --------------------------------------------------------------------------- vocabulary
# All patterns run on normalised text: lower-case ASCII, NFKC (so "：" is ":"),
# simplified characters, decorations (★) dropped, 薇信/vx/+v folded to 微信, 扣扣 to qq.

_CN_NUM = "零一二两三四五六七八九十百千万"


def _each(prefixes: str, rest: str = "") -> str:
    """``p1rest|p2rest|…``: every branch led by a literal, so ``re`` can skip ahead fast.

    A branch that starts with a group, class or look-around makes ``re`` try the
    whole pattern at every position (5-10x slower on a 5 KB page).
    """
    return "|".join(p + rest for p in prefixes.split("|"))


#: A call to contact a person. Bare 加 only before something to add (加油卡 is a card).
_CONTACT_CALL = re.compile(
    _each(r"\+|加", r"\s?(?:微信|qq|我|好友|群|telegram|企鹅|微)")
    + "|"
    + _each(r"\+|加", r"(?=\s*(?:v(?![a-z])|:|[a-z0-9]))")
    + r"|添加|联系(?!方式)|咨询|私聊|私信|私我|找我|找老板|扫码|扫一扫|详聊|来撩|滴滴|戳我"
    r"|打电话|致电|拨打|电联|备注|发给我|发过来|发我|直接发|报价|在线交谈|发起会话|问价|询价|call|搜索|打(?=\d)"
    r"|找小编|直接找|卖给我|出给我|转让给我|价好|只接电话|接电话|来电(?=\s?\d)|加的时候|添加时"
    r"|找到我|报卡种"
    r"|收(?:京东|天猫|沃尔玛|永辉|携程|星巴克|购物|礼品|加油|油|超市|话费|充值|商场|福利|e)卡"
    # a buyer's offer next to a handle is the call: "长期收 … 电话 138…", "价格好说"
    r"|长期收|大量收|高价收|都收|急收|现收|收购|回收|收卡|收q币|收各类|收各种|收所有|量大价优|量大从优|价格好|面议|给价|找他|找老|在线|留言|发到|发给|直接加|加个|加一下|加下"
)
#: On a site with its own order flow, a handle still solicits when the flow needs it:
#: "提交后请务必添加客服微信确认订单，否则订单作废" moves the trade to a person.
_MUST_CONTACT = re.compile(
    _each("务必|必须|一定要|需要|需|须|请先|要先", r"\s?(?:先)?\s?(?:添加|加|联系|私聊)")
    + r"|否则[^。!?\n]{0,12}(?:作废|无效|取消|失效|不予)|确认订单|告知结算方式|人工结算|人工处理"
    # an order that a chat must confirm: "请在十分钟内+V客服发送订单截图，未确认的订单将被关闭"
    + r"|订单截图|未确认的订单|不予保留|"
    # the writer buying cards himself: "小编自己也长期收E卡", "我一直在收，永辉卡 96 折"
    + _each(
        "我|小编|本人|博主|楼主",
        r"(?:自己)?(?:也)?(?:一直|长期|常年|专业)?(?:在)?收(?![到藏款入费拾回获益件听看取集])",
    )
    # the card submitted through a person: "请直接联系人工客服提交"
    + "|"
    + _each("联系|添加|加|打开", r"[^。!?\n]{0,6}客服[^。!?\n]{0,3}提交(?!工单|证据|申请|投诉)")
    + "|"
    + r"添加[^。!?\n]{0,8}?确认(?!收货)|"
    + _each("加客服|加微信|加好友", r"[^。!?\n]{0,6}?确认(?!收货)")
)
#: A QR code to add a person is a handle the text cannot show ("扫码加好友 收卡").
_QR_CONTACT = re.compile(
    _each(
        "扫码|扫一扫|扫描|扫",
        r"[^。!?\n]{0,8}?(?:二维码)?\s?(?:加|添加)\s?(?:好友|微信|我|qq)"
        r"(?!\s?(?:公众号|服务号|小程序|官方))",
    )
)
#: A handle given as something to search for ("搜 yonghui_kafang 就能找到我"): the
#: contact finder does not know it is one, the call makes it one.
_SEARCH_CONTACT = re.compile(
    _each("搜索|搜", r"\s?[a-z][a-z0-9_]{4,31}\s?(?:就能|就可以|即可|能)?\s?(?:找到我|加我|联系我)")
)
#: A call refused in so many words: "客服微信…（仅答疑与售后，不私下收卡）".
_CALL_REFUSED = re.compile(r"(?:不|从不|绝不|决不)(?:私下|私自|线下)?\Z")
#: A call to message the poster, whose handle is on their profile, not in the text
#: ("有卡的老板私聊我，价格好说"): it solicits with a buyer's offer in its line.
_DM_CALL = re.compile(r"私聊我|私信我|私我|滴滴我|戳我|老板私聊|私聊(?:价|报价|详谈|秒)")
_BUYER_OFFER = re.compile(
    r"高价(?:回)?收|长期收|大量收|价格好说|价格美丽|量大价|量大从优|秒结|面值全收|有卡的"
)
#: A shop's own QR at its counter is how shops take money ("是店里的收款码").
_SHOP_BEFORE = re.compile(r"(?:店里的|店铺|门店|商家)\Z")
#: Fees a buyer may ask for (a tax share, "税点", is how fake company buyers ask).
_FEE_WORD = (
    r"手续费|保证金|解冻费|解冻金|激活费|押金|会员费|服务费|认证费|验证费|验证金|税费|税点|通道费"
    r"|刷流水|年费"
)
#: Paying or being paid outside a platform.
_OFF_PLATFORM = re.compile(
    # (not what someone paid the writer, "他转给我的第一笔", nor "转给我妈看了")
    r"扫码(?:付|支付|转|给|打款)|转账(?:到|给|至)|转(?<![他她]转)(?:到|给)(?:我(?![妈爸家])|老板|对方|本人)"
    r"|直接转账|先转账|"
    + _each("微信|支付宝|银行卡", "转账(?!记录)")
    # "扫描下方二维码付款": a code to pay, not a code to add (``_QR_CONTACT``)
    + r"|二维码(?:付款|支付|转账|打款)"
    r"|收款码(?<!店里的收款码)(?<!店铺收款码)(?<!门店收款码)(?<!商家收款码)"
    r"|收款二维码|支付宝(?:账号|帐号)"
    r"|钱包地址|u地址|usdt|泰达币|trc-?20|erc-?20|"
    + _each("走|收|换|结|付", "u(?![a-z])")
    + r"|u(?:结算|商|结)|u(?<=\du)(?![a-z0-9])|u(?<=\d u)(?![a-z0-9])"
    r"|口令红包|红包(?:结算|付款|支付)"
    r"|私下(?:转账|结算|付款)|线下(?:转账|结算|付款)"
    r"|打款(?:到|给)你"
    # the card itself handed to a person: the trade has left any platform
    # (asked for in the first person; "别人让我先发卡密" tells of it)
    r"|先发卡密(?<!让先发卡密)(?<!让我先发卡密)(?<!让你先发卡密)(?<!要求先发卡密)"
    r"|卡密发我|报卡号给价|"
    # the card's PIN taken by a "customer service" chat instead of a form
    + _each(
        "联系|通过|找|私聊|添加",
        r"[^。!?\n]{0,6}客服[^。!?\n]{0,4}(?:提交|发送|报|发|告知)[^。!?\n]{0,3}卡(?:号)?(?:和|及|与)?(?:卡)?密",
    )
    # ... or the trade completed by one: "添加专属客服完成人工核验与结算"
    + "|"
    + _each(
        "联系|添加|加",
        r"(?:专属|专人)?客服[^。!?\n]{0,4}?(?:完成|进行|办理)[^。!?\n]{0,6}?(?:核验|验卡|结算|打款)",
    )
    + "|"
    # "把卡号、卡密和面值一次性发给值班客服"
    + r"卡(?:号卡)?密[^。!?！？\n]{0,10}?发(?:给|送给|至)"
    + r"[^。!?！？\n]{0,4}?(?:老[\u4e00-\u9fff]|客服|财务|专员|我)"
    # ... or to a clerk added for it: "添加验卡专员V：xgky_yanka，发送：订单号＋卡号＋卡密"
    + "|"
    + _each(
        "添加|加",
        r"[^。!?！？\n]{0,12}?(?:客服|专员)[^。!?！？\n]{0,20}?发送?[:,]?"
        r"[^。!?！？\n]{0,10}?卡号[^。!?！？\n]{0,3}卡密",
    )
    # ... or typed into a chat window: "请把卡号和卡密直接发在这个窗口"
    + r"|卡密[^。!?！？\n]{0,6}发(?:在|到)[^。!?！？\n]{0,4}(?:窗口|聊天|对话|会话)"
    + "|"
    + _each("发卡密给|发卡号卡密给", r"(?:客服|财务|我|老[\u4e00-\u9fff])")
    + "|"
    # "收款账户" alone is mostly the seller's own, bound on a platform ("绑定收款账户")
    + _each("个人|私人|对方|老板|财务|客服", r"(?:的)?收款账[号户]")
    + "|"
    # "私下交易" is mostly a noun in reports ("私下交易无从统计"): only when it is offered
    + _each("可|可以|支持|接受|欢迎|直接|咱们|我们", "私下交易")
    # a fee paid into an account ("解冻费请转入…账户", "税点先打到财务个人卡"), or any
    # money into a person's card or a "监管账户" that no platform has
    + "|"
    + _each(_FEE_WORD, r"[^。!?\n]{0,6}?(?:转入|打到|汇入|打入|存入|转到|缴纳至|缴至|汇至)")
    + "|"
    + _each(
        "转入|打到|汇入|打入|存入|缴纳至|缴至|汇至",
        r"[^。!?\n]{0,8}?(?:个人卡|个人账户|私人账户|财务|监管账户)",
    )
)
#: Pay first: 先付/先交/先转 … a fee; fees that only exist in scams stand alone.
_UPFRONT = re.compile(
    _each(
        "先|预先|提前|需先|要先|须先|得先|首先",
        r"\s?(?:付|交|转|缴|支付|缴纳|打|垫付|扫码付|承担)"
        rf"[^。!?\n]{{0,14}}?(?:{_FEE_WORD}|[{_CN_NUM}\d]+\s?(?:元|块|u)"
        rf"(?:[^。!?\n,]{{0,4}}?(?:{_FEE_WORD}))?|钱|款)",
    )
    + f"|先把[^。!?\\n]{{0,12}}?(?:{_FEE_WORD})"
    # "须由卖家预缴 6% 个人所得税点" (not 预付, which is also 预付卡, a prepaid card)
    + f"|预缴[^。!?\\n]{{0,14}}?(?:{_FEE_WORD})|预交[^。!?\\n]{{0,14}}?(?:{_FEE_WORD})"
    + "|解冻费|解冻金|激活费|验证金|"
    + _each("缴纳|交|付|缴|扫码支付", r"[^。!?\n,]{0,8}?(?:保证金|押金|会员(?:服务)?费|年费)")
    + "|"
    + _each("开通|升级", r"[^。!?\n]{0,6}会员[^。!?\n]{0,10}(?:缴纳|交|付)")
)
#: Negations right before a fee word ("零手续费", "不收任何手续费", "无需押金").
_FEE_NEGATED = re.compile(
    r"(?:零|免|无|不收|不收取|不需要|无需|不用|从不收|不要求|没有)[^。!?;,\n]{0,4}\Z"
)
#: A fee in a list that a negation leads: "不要求用户预先支付任何手续费、保证金、激活费".
_LIST_NEGATED = re.compile(
    r"(?:不要求|不收取?|无需|不需要|不用|从不|不会|没有|免收|免)"
    r"[^。!?;,\n、]{0,14}(?:、[^。!?;,\n、]{1,8}){0,8}、\s?\Z"
)
#: Fees that stand alone in ``_UPFRONT`` and so may be items of a list.
_LISTED_FEES = ("解冻费", "解冻金", "激活费", "验证金")
#: A list of fees refused as a whole, the refusal after it: "保证金、押金、解冻费——以上
#: 名目本平台一律不收". Looked for from the end of the list, within the sentence.
_FEE_LIST_ITEM = re.compile(rf"[、,/和及或与]\s?[^、,。!?;\n]{{0,6}}?(?:{_FEE_WORD}|费|金|点)")
_LIST_REFUSED = re.compile(
    r"[^。!?;\n]{0,16}?(?:一律|一概|概|均|都|全都|从)(?:不|未)(?:收|要求|需要|索要|会收)"
)
#: What a platform says it never does: "本平台不支持 USDT 结算", "严禁私下交易". The
#: phrase must follow in the same clause.
_PAYMENT_REFUSED = re.compile(
    r"(?:不支持|不接受|不使用|不提供|不采用|拒绝|禁止|严禁|不得|从不|绝不|决不|不会)"
    r"[^。!?;,\n]{0,8}\Z"
)
#: The platform paying the seller is the on-site flow: "成功即由平台打款到你绑定的支付宝".
_PLATFORM_PAYS = re.compile(r"(?:平台|系统|本站)[^。!?;,\n]{0,10}\Z")
#: Rates at or above face value.
_ABOVE_WORDS = re.compile(
    r"溢价|高于面值|超过面值|超面值|面值以上|比面值(?:还)?高|高过面值|满面值|按面值(?:收|回收|结)"
    r"|面值全(?:收|额收|结)|原价(?:收|回收)|等价回收|全额回收|不打折|一比一|1\s?[:比]\s?1(?![\d.])"
    r"|一百(?:元)?(?:面值)?\s?(?:收|给|兑|换|结)\s?一百(?:零[一二三四五六七八九]|[一二]十)?"
    r"|百分之(?:一)?百(?:零[一二三四五])?(?:以上)?(?=\s?(?:收|回收|给|结|兑|以上))|全额(?:给|收|结)"
    r"|按一百(?:收|给|结)|给一百(?![一二三四五六七八九])"
)
#: "100收101", "100元面值给102": found from the verb, the first number is looked up before it.
_PAIR_VERB = re.compile(_each("收|给|兑|换|结", r"(?<=[\d元值 ].)\s?(\d{2,5})(?:\.\d+)?(?![\d.%])"))
_PAIR_BEFORE = re.compile(r"(?<![\d.])(\d{2,5})\s?(?:元)?\s?(?:面值)?\s?\Z")
_PERCENT_SIGN = re.compile(r"%(?<=\d%)|%(?<=\d %)")
_PERCENT_BEFORE = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d+)?)\s?\Z")
#: "100%" is also a claim ("100%安全", "100%到账"): a rate needs price words around it.
_NOT_RATE_AFTER = re.compile(
    r"\s?(?:安全|到账|成功|正品|真实|保密|放心|满意|靠谱|诚信|保证|可靠|回款|原创|保障|真|准确|覆盖"
    r"|是|都|的人|的用户|用户|退|赔|可|会|免|无|不|兑现率|的概率|概率)"
)
_RATE_BEFORE = re.compile(
    r"(?:收|价|面值|给|按|折|比例|兑|回收|结算|报价|高达|最高|约|合)[^。\n]{0,10}\Z"
)
_RATIO = re.compile(
    _each("收|兑|给|比例|汇率|按", r"[^。\n\d]{0,6}(?<![\d.])1\.0([0-9]{1,2})(?![\d.])")
)
#: Pressure to act now.
_URGENCY = re.compile(
    r"限时|今[天日晚](?:最后|截止|有效|前|收满|全要|特价)|名额有限|额度有限|数量有限|马上|速来|速度来|速度联系"
    r"|秒结|秒到|秒收|秒回|秒付|抓紧|先到先得|过时不候|仅限今|最后\d*天|今晚[\d"
    + _CN_NUM
    + r"]*点前"
    r"|收满(?:即|就)停|急收|火速|赶紧|错过(?:今天|这次|就)|随时(?:涨价|停收|截止)|手慢无"
)
#: Claims of trustworthiness nobody can check ("N年老店" is extended back over N).
_GUARANTEE = re.compile(
    r"诚信(?:老店|经营|回收|收卡|第一|交易|为本|商家)|年(?:老店|信誉|诚信)|老店"
    r"|假一赔[\d" + _CN_NUM + r"]+|安全诚信|信誉(?:保证|第一|保障|你去|好)|不成功不收费|口碑第一"
    r"|绝对安全|百分百安全|100%安全|安全放心|放心交易|永不拖欠|包赔|到账慢赔|不到账赔"
    r"|不压款|不拖款|一分不少|不坑人|值得信赖"
)
#: A site sending the reader to itself ("订单请在网站提交"): on-site flow, and said of the
#: site itself (``_SELF``).
_TO_THE_SITE = r"请(?:在|到|通过)(?:本站|网站|平台|官网|app|小程序|网页)"
#: The platform does the trade itself.
_ONSITE = re.compile(
    r"在线提交|提交卡密|提交订单|提交回收|批量提交|自动验卡|自动结算|系统验卡|验卡成功|订单号|订单查询"
    r"|我的订单|订单详情|订单状态|结算到(?:您的)?(?:支付宝|银行卡|账户|余额)|提现到|绑定银行卡"
    # (not 个人中心 / 会员中心: every forum and Q&A site has one)
    r"|绑定支付宝|寄售|上传卡密|选择面值|选择卡种|回收记录|工单"
    r"|卡号[^。\n]{0,20}卡密[^。\n]{0,20}提交"
    # a platform sending trade back to its own site ("仅售后咨询，订单请在网站提交")
    + "|"
    + _TO_THE_SITE
    + r"(?:内|上|里)?[^。\n，,]{0,4}提交"
)
#: "京ICP备12345678号-1": found from "icp", the province character is taken before it.
_ICP = re.compile(r"icp(?<![a-z]icp)\s?[备证]\s?\d{4,}\s?号(?:-\d+)?")
_ICP_PROVINCE = re.compile(r"[\u4e00-\u9fff]\s?\Z")

#: Warning cues. Weak ones (不要 / 别 / 勿) only with an action after them.
_WARN_STRONG = frozenset(
    [
        "警惕",
        "谨防",
        "小心",
        "当心",
        "提防",
        "防范",
        "骗局",
        "诈骗",
        "反诈",
        "防骗",
        "切勿",
        "千万别",
        "千万不要",
        "曝光",
        "骗子",
        "上当",
        "受骗",
        "被骗",
        "套路",
        "陷阱",
        "骗术",
        "虚假",
        "冒充",
        "举报",
        "报警",
        "别信",
        "勿信",
        "不要相信",
        "不要轻信",
        # describing a scam rather than making one
        "话术",
        "催促",
        "诱导",
        "诱骗",
        "谎称",
        "自称",
        "声称",
        "嫌疑人",
        "受害人",
        "受害者",
        "骗取",
        "骗走",
        "可疑",
        "不可信",
        "不靠谱",
        "防诈",
        "敬而远之",
        "风险提示",
        # an article naming a scam for what it is
        "欺诈",
        "行骗",
        "诱饵",
        "避坑",
        "踩坑",
        "中招",
        "冒用",
        "骗你",
        "想骗",
        "另有所图",
        # a reporter's narrative
        "记者",
        "卧底",
        "暗访",
    ]
)
#: Advice words that also dress up a pitch ("避免压价，直接找我"): a warning only within
#: their own sentence, never for the whole line, and no pull on nearby quotes.
_WARN_MILD = (
    "避免",
    "不建议",
    "不推荐",
    "远离",
    "危险信号",
    "一律拒绝",
    "请拒绝",
    "凡是",
    "凡要求",
    "任何要求",
    # what others say, claim or demand, in an article's words ("陌生人…常宣称100%以上")
    "有人说",
    "有人让",
    "有人要",
    "有人开出",
    "有人报",
    "看到有人",
    "号称",
    "宣称",
    "常要求",
    "往往要求",
    "陌生人",
)
_WARN_CUE = re.compile(
    "|".join(sorted([*_WARN_STRONG, *_WARN_MILD], key=len, reverse=True))
    + "|"
    + _each(
        "不要|别|勿|不能|不会",
        r"\s?(?:随便|轻易|私自|主动)?\s?(?:加|添加|相信|轻信|扫|转账|转钱|付|先付|交"
        r"|透露|提供|告诉|点击|私下|把卡密|发卡密|泄露)",
    )
    # what an official never does ("不会要求您扫码付款"), and a scam told in the third
    # person ("对方发来一张收款码", "群主要求先把卡密发给财务"): their sentence only
    + "|"
    + _each("不会", r"\s?(?:以|要求|让|索要|主动)")
    + "|"
    + _each("对方|群主|骗子|买家", r"(?:要求|发来|称|让|以|随即|说)")
    # ... told as a story ("然后他说：“卡号卡密发我验一下。”"), not "我跟她说" nor "其他说明"
    + "|"
    + _each("他|她", r"(?<![其吉跟对和给诉].)(?:又|就|还|便)?(?:说|要求|让我|发来|称)")
    # someone else's handle is told of, not offered: "让你扫他的收款码"
    + "|"
    + _each(
        "他的|她的|对方的|骗子的",
        r"(?:个人|私人)?(?:收款码|收款二维码|二维码|微信|qq|账户|账号|银行卡)",
    )
)
#: Scammers borrow the words: "谨防假冒 认准本人微信", "拒绝骗子 诚信交易".
_WARN_FAKE = re.compile(
    _each("谨防|小心|警惕|避坑", r"(?:假冒|冒充|同行)?[^。\n]{0,6}(?:认准|唯一|本人|本店|老板)")
    + "|"
    + _each("拒绝|不是|绝不|从不|非|不当|防", "骗子")
    # a buyer calming a seller: "这是正常的风控流程，不是诈骗"
    + "|"
    + _each("不是|并非|绝非|不属于", "(?:诈骗|骗局)")
    + "|绝不骗人|不玩套路|没有套路|无套路|不坑"
)

#: What a warning is about: scam phrases (any positive match counts too).
_SCAM_TOPIC = re.compile(
    r"微信|qq|好友|私聊|私下|陌生|高价|溢价|秒结|秒到|先付|先交|先转|手续费|保证金|解冻|激活费|扫码"
    r"|转账|卡密|验证码|收款码|回收|收卡|客服|电话|链接|二维码|面值|红包|usdt|返利|刷单"
)
#: What a recovery trade talks about (not ``_SCAM_TOPIC``: that holds 微信, QQ and 电话,
#: which every classified ad has). A page with none of it (a pram or a job on a
#: town's classifieds board, whose menu may still list 卡券票务) is no recovery
#: solicitation, whatever handle and call it gives: contact-only needs the topic.
_RECOVERY_TOPIC = re.compile(
    r"回收|收购|收卡|出卡|卖卡|卡密|面值|话费|点卡|油卡|购物卡|礼品卡|e卡|超市卡|充值卡|提货卡"
    r"|q币|秒结|秒到|变现|套现|寄售|兑换|折(?<=[0-9一二三四五六七八九]折)|折扣|溢价|订单|收款|打款"
    r"|结算|卡号|报价|给价|usdt|代付|红包|卡.{0,6}(?:收|卖|出|换)|"
    + _each("收|卖|出|换", ".{0,6}卡")
)
#: Quoted words: a quote near a warning cue is the scam being quoted.
_QUOTE = re.compile(r"“[^”\n]{1,120}”|\"[^\"\n]{1,120}\"|「[^」\n]{1,120}」|『[^』\n]{1,120}』")
#: How far (normalised characters) a quote may stand from a warning cue.
_QUOTE_WINDOW = 150
#: What after a quote makes it one quoted to be rebutted ("“加我 vx，五分钟到账。”——私下走
#: 是因为他根本不打算给钱") or named as a kind of offer ("“秒结不打折”之类的价格").
_QUOTE_NAMED = re.compile(r" ?——|之类|这类|这种|这样的|等(?:说法|话术|字眼|广告|报价|理由|名义)")
#: Words before a quote that report it as text someone saw: "帖子写着“移动卡100%回收…”".
_QUOTE_REPORTED = re.compile(r"(?:写着|写道|写的是)[:,]?\s?\Z")
#: Words that say the lines after them are quoted word for word ("内容如下（原文照录）:"):
#: those lines are warning talk, up to a long line (the narrative again) or a dozen lines.
_QUOTED_LINES = re.compile(
    r"原文(?:照录|摘录|抄录|如下)|原话|一字不改|内容如下|广告如下|帖子如下|截图如下|聊天记录如下|"
    + _each("广告|帖子|消息|信息|聊天", "原文")
    + "|"
    + _each("照录|摘录|抄录|转录", "如下")
    + "|"
    + _each("看到|见到|收到|刷到", r"的:(?=\n)")
    + r"|这类[^。!?\n]{0,6}(?:信息|广告|帖子|消息)|以下[^。!?\n]{0,4}(?:信息|广告|帖子|消息|话术)"
)
#: Words that say the lines before them were quoted: "近日此类信息在我县多个小区业主群内传播".
#: Not when they follow a quote of their own ("“今天收满就停”这种话术看多了"): that
#: quote is what they name (``_QUOTE_NAMED``), not a reply above it in a thread.
_QUOTED_ABOVE = re.compile(
    r"(?:此类|上述|以上|这些|这种)(?<![”\"」』]..)[^。!?\n]{0,6}(?:信息|广告|帖子|消息|话术|说法)"
)
_QUOTED_MAX_LINES = 12
_QUOTED_LINE_CHARS = 150
_TERMINATORS = "。!?;\n"
_IN_LINE_TERMINATORS = _TERMINATORS.replace("\n", "")
_SENTENCE_END = re.compile(r"[。!?;\n]")
#: How far (normalised characters) a call to contact may stand from its handle.
_CALL_WINDOW = 40
#: How far a scam phrase may stand from a warning cue outside its sentence: only touching.
#: A wider window let nav links ("防骗曝光") pick up the next, unrelated line.
_WARN_WINDOW = 0


# --------------------------------------------------------------------------- helpers


class _Text:
    """The normalised text plus per-page caches (warning cues and ranges), built once."""

    __slots__ = ("_cues", "_sentence", "_warning", "_warning_original", "norm", "text")

    def __init__(self, norm: Normalized) -> None:
        self.norm = norm
        self.text = norm.text
        self._warning: list[tuple[int, int]] | None = None
        self._warning_original: list[tuple[int, int]] | None = None
        self._cues: list[tuple[int, int, bool]] | None = None
        self._sentence = (0, 0)  # the last sentence looked up

    def sentence(self, pos: int) -> tuple[int, int]:
        """The sentence (between terminators) holding normalised position ``pos``.

        Looked up on demand: a page has far more terminators than lookups. Lookups
        come in order and often several in one sentence (a warning's cues, a step's
        phrases): the last answer holds for every position in it, terminators excluded.
        """
        a, b = self._sentence
        if a <= pos < b:
            return a, b
        text = self.text
        start = text.rfind("\n", 0, pos) + 1  # no sentence crosses a line: look back no further
        for c in _IN_LINE_TERMINATORS:
            k = text.rfind(c, start, pos)
            if k >= 0:
                start = k + 1
        end = _SENTENCE_END.search(text, pos)
        self._sentence = start, end.start() if end else len(text)
        return self._sentence

    def line(self, pos: int) -> tuple[int, int]:
        text = self.text
        end = text.find("\n", pos)
        return text.rfind("\n", 0, pos) + 1, end if end >= 0 else len(text)

    def span(self, start: int, end: int) -> Span:
        a, b = self.norm.span(start, end)
        return Span(a, b, self.norm.original[a:b])

    # ----------------------------------------------------------------- warnings

    def cues(self) -> list[tuple[int, int, bool]]:
        """(start, end, strong) of every genuine warning cue (computed once)."""
        if self._cues is not None:
            return self._cues
        text = self.text
        found = _found(self.norm, _WARN_CUE)
        fakes = _found(self.norm, _WARN_FAKE) if found else []
        out = []
        for start, end in found:
            if any(a <= start < b for a, b in fakes):
                continue
            out.append((start, end, text[start:end] in _WARN_STRONG))
        self._cues = out
        return out

    def warning_ranges(self) -> list[tuple[int, int]]:
        """Normalised ranges that are warning talk: a cue's sentence, a strong cue's line.

        A sentence ending in ":" carries its warning into the next sentence ("骗子号码曝光:
        ⏎ abc123"). Ranges are sorted and merged.
        """
        if self._warning is not None:
            return self._warning
        ranges = []
        for start, _end, strong in self.cues():
            s_a, s_b = self.sentence(start)
            a, b = self.line(start) if strong else (s_a, s_b)
            a, b = min(a, s_a), max(b, s_b)
            if b < len(self.text) and self.text[b - 1 : b] == ":":
                b = self.sentence(b + 1)[1]
            ranges.append((a, b))
        quotes = _found(self.norm, _QUOTE)
        ranges += [
            (a, b)
            for a, b in quotes
            if _QUOTE_NAMED.match(self.text, b)
            or _QUOTE_REPORTED.search(self.text, max(0, a - 5), a)
        ]
        ranges += [self._quoted_lines(a) for a, _ in _found(self.norm, _QUOTED_LINES)]
        ranges += [self._quoted_lines(a, back=True) for a, _ in _found(self.norm, _QUOTED_ABOVE)]
        strong = [(a, b) for a, b, is_strong in self.cues() if is_strong]
        if strong:
            starts = [a for a, _ in strong]
            for q_a, q_b in quotes:
                k = bisect_left(starts, q_a - _QUOTE_WINDOW)
                if k < len(starts) and starts[k] <= q_b + _QUOTE_WINDOW:
                    ranges.append((q_a, q_b))
        self._warning = _merge(ranges)
        return self._warning

    def _quoted_lines(self, pos: int, back: bool = False) -> tuple[int, int]:
        """The line at ``pos`` and the short lines after it (before it if ``back``)."""
        text = self.text
        start, end = self.line(pos)
        for _ in range(_QUOTED_MAX_LINES):
            if back:
                if start == 0:
                    break
                before = self.line(start - 1)[0]
                if start - 1 - before > _QUOTED_LINE_CHARS:
                    break
                start = before
            else:
                if end >= len(text):
                    break
                after = self.line(end + 1)[1]
                if after - end - 1 > _QUOTED_LINE_CHARS:
                    break
                end = after
        return start, end

    def in_warning(self, start: int, end: int) -> bool:
        """Whether normalised ``[start, end)`` lies inside one warning range."""
        return _inside(self.warning_ranges(), start, end)

    def in_warning_original(self, start: int, end: int) -> bool:
        """Whether original ``[start, end)`` lies inside one warning range."""
        if self._warning_original is None:
            self._warning_original = [self.norm.span(a, b) for a, b in self.warning_ranges()]
        return _inside(self._warning_original, start, end)


def _inside(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    k = bisect_right(ranges, (start, 1 << 62)) - 1
    return k >= 0 and ranges[k][0] <= start and end <= ranges[k][1]


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _matches(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def _near_any(
    items: list[tuple[int, int]], others: list[tuple[int, int]], window: int
) -> list[tuple[int, int]]:
    """The ``items`` that come within ``window`` characters of one of ``others`` (sorted)."""
    if not others:
        return []
    longest = max(b - a for a, b in others)
    near = []
    for start, end in items:
        k = bisect_left(others, (start - window - longest, 0))
        for a, b in others[k:]:
            if a > end + window:
                break
            if b >= start - window:
                near.append((start, end))
                break
    return near


# --------------------------------------------------------------------------- detectors


def _upfront(norm: Normalized) -> list[tuple[int, int]]:
    text = norm.text
    return [
        (start, end)
        for start, end in _found(norm, _UPFRONT)
        if not _FEE_NEGATED.search(text, max(0, start - 8), start)
        and not _refused_list(text, end)
        and not (
            text.startswith(_LISTED_FEES, start)
            and _LIST_NEGATED.search(text, max(0, start - 100), start)
        )
        and not _PAYMENT_REFUSED.search(text, max(0, start - 12), start)
    ]


def _refused_list(text: str, end: int) -> bool:
    """Whether the fee ending at ``end`` is one of a list that the sentence refuses after it."""
    while item := _FEE_LIST_ITEM.match(text, end):
        end = item.end()
    return _LIST_REFUSED.match(text, end) is not None


_DIGIT_OR_DOT = frozenset("0123456789.")
_YEAR_DIGITS = frozenset("0123456789" + _CN_NUM)


def _guarantee(doc: _Text) -> list[tuple[int, int]]:
    """Guarantee claims; "N年老店" reaches back over the number of years."""
    text = doc.text
    out = []
    for found, end in _found(doc.norm, _GUARANTEE):
        start = found
        if text.startswith("年", start):
            while start and text[start - 1] in _YEAR_DIGITS:
                start -= 1
            if start == found:
                continue
        out.append((start, end))
    return out


#: Words that make an on-site step this site's own, not one described in an article.
_SELF = re.compile(r"本站|本平台|我们|我司|登录后|点击|下方|您的订单|您可|" + _TO_THE_SITE)
_UI_LINE = 30  # a line this short holding the phrase is a button, menu or form label
#: A short line ending like prose is a step of an article's list, not a control:
#: "在平台页面内提交卡号和密码，等待系统自动验卡；"
_PROSE_END = frozenset("。;,!?")


def _onsite(doc: _Text) -> list[tuple[int, int]]:
    """On-site flow phrases on a button, menu or form line, or said of the site itself."""
    out = []
    for start, end in _found(doc.norm, _ONSITE):
        a, b = doc.line(start)
        ui = b - a <= _UI_LINE and doc.text[b - 1 : b] not in _PROSE_END
        if ui or _SELF.search(doc.text, *doc.sentence(start)):
            out.append((start, end))
    return out


_AMOUNT_CHARS = frozenset("0123456789. ")


def _off_platform(doc: _Text) -> list[tuple[int, int]]:
    """Off-platform payment phrases; an amount in U ("14.02U") is reported with its number."""
    text = doc.text
    out = []
    for start, end in _found(doc.norm, _OFF_PLATFORM):
        before = max(0, start - 12)
        if _PAYMENT_REFUSED.search(text, before, start):
            continue
        if text.startswith("打款", start) and _PLATFORM_PAYS.search(text, before, start):
            continue
        if end - start == 1 and text[start] == "u":
            while start and text[start - 1] in _AMOUNT_CHARS:
                start -= 1
            while text[start] == " ":
                start += 1
        out.append((start, end))
    return out


def _icp(norm: Normalized) -> list[tuple[int, int]]:
    text = norm.text
    out = []
    for start, end in _found(norm, _ICP):
        province = _ICP_PROVINCE.search(text, max(0, start - 2), start)
        out.append((province.start() if province else start, end))
    return out


#: A rate table: another percentage of 80-99.9 close by makes "100.2%" a rate too.
_RATE_TABLE_WINDOW = 40
_ANY_PERCENT = re.compile(r"(\d{2}(?:\.\d+)?)\s?%")


def _beside_normal_rate(text: str, start: int, end: int) -> bool:
    lo, hi = max(0, start - _RATE_TABLE_WINDOW), end + _RATE_TABLE_WINDOW
    return any(80 <= float(m.group(1)) < 100 for m in _ANY_PERCENT.finditer(text, lo, hi))


def _above_face(norm: Normalized) -> list[tuple[int, int]]:
    """At or above face value: words, "100收101" pairs, ≥100% rates, 1.0x ratios."""
    text = norm.text
    out = list(_found(norm, _ABOVE_WORDS))
    for start, end, g_start, g_end in _found_with(norm, _PAIR_VERB):
        first = _PAIR_BEFORE.search(text, max(0, start - 12), start)
        if first is None:
            continue
        low, high = int(first.group(1)), int(text[g_start:g_end])
        if low >= 50 and low <= high <= low * 1.3:
            out.append((first.start(), end))
    for sign, after in _found(norm, _PERCENT_SIGN):
        number = _PERCENT_BEFORE.search(text, max(0, sign - 12), sign)
        if number is None:
            continue
        value = float(number.group(1))
        if not 100 <= value <= 130 or _NOT_RATE_AFTER.match(text, after):
            continue
        start = number.start()
        before = text[max(0, start - 12) : start]
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", after)
        cell = text[line_start : line_end if line_end >= 0 else len(text)].strip()
        if (
            _RATE_BEFORE.search(before)
            or cell == text[start:after]
            or _beside_normal_rate(text, start, after)
        ):
            out.append((start, after))
    for _start, _end, g_start, g_end in _found_with(norm, _RATIO) if "1.0" in text else ():
        out.append((g_start - 3, g_end))
    return out


_SEPARATORS = " ,、/|"
_SEPARATOR = re.compile(r"[ ,、/|]+")
_PHRASE = r"[a-z0-9\u4e00-\u9fff]{2,12}"
_LIST_RUN = re.compile(rf"[ ,、/|]+{_PHRASE}(?:[ ,、/|]+{_PHRASE}){{3,}}(?![a-z0-9\u4e00-\u9fff])")
_PHRASE_BEFORE = re.compile(rf"(?<![a-z0-9\u4e00-\u9fff]){_PHRASE}\Z")
#: Trade words a stuffed page repeats. Each is a ``_LIST_ANCHOR`` word, and none of that
#: pattern's other words can overlap one (no other word ends in the first character of
#: one, nor starts like one): its matches are those of ``_LIST_ANCHOR`` that are these.
_STUFF_WORDS = frozenset({"回收", "变现", "兑现", "收购", "高价", "秒结", "急收"})
_LIST_MIN = 5  # phrases in a keyword list
_STUFF_LIST_SHARED = 4  # phrases in one list sharing the same two-character word
_STUFF_LIST_TOTAL = 2  # such lists on a page (or one list with 7+ sharing phrases)
_STUFF_REPEATS = 8  # repeats of one 4-character phrase before density is checked
_STUFF_DENSITY = 0.10  # share of the text taken by that phrase


#: Trade words a keyword list repeats; a line needs this many of them to be searched.
_LIST_ANCHOR = re.compile(r"回收|收购|变现|兑现|卡密|高价|秒结|急收|提现|收卡|卡券")
_LIST_ANCHORS = 3


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return end if end >= 0 else len(text)


def _phrase_lists(doc: _Text) -> Iterator[tuple[int, int, int]]:
    """(start, end, phrases sharing the commonest word) of each run of short phrases.

    Only lines with a few trade words (回收, 高价, 卡密 …) are searched: a separator
    is common, a keyword list is rare. A run is found from its first separator; the
    phrase before that separator is then taken in by hand.
    """
    text = doc.text
    per_line: dict[int, int] = {}
    line_start, line_end = 0, -1
    for pos, _ in _found(doc.norm, _LIST_ANCHOR):
        if pos > line_end:  # the first trade word of a line: find that line once
            line_start = text.rfind("\n", 0, pos) + 1
            line_end = _line_end(text, pos)
            per_line[line_start] = 1
        else:
            per_line[line_start] += 1
    runs = (
        m
        for line_start, count in per_line.items()
        if count >= _LIST_ANCHORS
        for m in _LIST_RUN.finditer(text, line_start, _line_end(text, line_start))
    )
    for m in runs:
        first = _PHRASE_BEFORE.search(text, max(0, m.start() - 13), m.start())
        if first is not None:
            start = first.start()
        else:
            run = m.group()
            start = m.start() + len(run) - len(run.lstrip(_SEPARATORS))
        phrases = _SEPARATOR.split(text[start : m.end()])
        if len(phrases) < _LIST_MIN:
            continue
        # Keyword lists share a head or a tail word: "京东卡回收 油卡回收", "高价收E卡 高价收油卡".
        ends: Counter[str] = Counter()
        for p in phrases:
            ends.update({p[:2], p[-2:]})
        yield start, m.end(), ends.most_common(1)[0][1]


def _keyword_stuffing(doc: _Text) -> list[tuple[int, int]]:
    """Keyword lists ("京东卡回收 油卡回收 话费回收 …") and one phrase repeated densely."""
    text = doc.text
    spans = []
    long_list = False
    for start, end, shared in _phrase_lists(doc):
        if shared >= _STUFF_LIST_SHARED:
            spans.append((start, end))
            long_list = long_list or shared >= 7
    if len(spans) >= _STUFF_LIST_TOTAL or long_list:
        return spans
    # The top phrase repeats at most once per trade word: too few words, no stuffing.
    anchors = [(a, b) for a, b in _found(doc.norm, _LIST_ANCHOR) if text[a:b] in _STUFF_WORDS]
    if len(anchors) < max(_STUFF_REPEATS, _STUFF_DENSITY * len(text) / 4):
        return []
    grams: Counter[str] = Counter()
    for a, b in anchors:
        grams.update(g for g in (text[max(0, a - 2) : b], text[a : b + 2]) if len(g) == 4)
    if not grams:
        return []
    gram, count = grams.most_common(1)[0]
    if count >= _STUFF_REPEATS and count * 4 / len(text) >= _STUFF_DENSITY:
        return [(m.start(), m.end()) for m in re.finditer(re.escape(gram), text)]
    return []


#: Patterns that neither match nor look across a line break (no ``\s``, no class that
#: holds ``\n``, no anchor; a look-behind before the match meets the break as it would
#: meet the text's start): on whole lines of a page they find what they find in the
#: page there. A unit cut from its page (``Normalized.lines``) reads their matches
#: from the page's, found once, instead of searching its text again.
_LINE_LOCAL = {
    _SCAM_TOPIC: "re:scam_topic",
    _URGENCY: "re:urgency",
    _GUARANTEE: "re:guarantee",
    _ONSITE: "re:onsite",
    _OFF_PLATFORM: "re:off_platform",
    _LIST_ANCHOR: "re:list_anchor",
    _QUOTE: "re:quote",
    _WARN_FAKE: "re:warn_fake",
    _QUOTED_LINES: "re:quoted_lines",
    _QUOTED_ABOVE: "re:quoted_above",
    _DM_CALL: "re:dm_call",
    _BUYER_OFFER: "re:buyer_offer",
}
_TOPIC_KEY = "recovery_topic"
#: Patterns that may match across a line break only by taking it (``\s``) or by a
#: look-ahead's leading ``\s`` run, with no anchor and no other look-around that can
#: match a break: a unit reads their matches from its page's unless those show a match
#: that may differ at its edges (``Normalized.found``), and searches itself then.
_CROSSING = {
    _WARN_CUE: "re:warn_cue",
    _MUST_CONTACT: "re:must_contact",
    _CONTACT_CALL: "re:contact_call",
    _SEARCH_CONTACT: "re:search_contact",
    _UPFRONT: "re:upfront",
    _ABOVE_WORDS: "re:above_words",
    _PERCENT_SIGN: "re:percent_sign",
    _ICP: "re:icp",
}
#: ``_CROSSING`` patterns found with the span of their last group (see ``_found_with``).
_CROSSING_GROUPS = {_PAIR_VERB: "re:pair_verb", _RATIO: "re:ratio"}
_GROUPED = {id(p): key for p, key in _CROSSING_GROUPS.items()}
#: How each kept pattern is found, by the pattern's id: a compiled pattern hashes its
#: whole program on every dict lookup (1-2 µs for the long ones), an int does not.
_KEPT = {id(p): (key, False) for p, key in _LINE_LOCAL.items()} | {
    id(p): (key, True) for p, key in _CROSSING.items()
}


def _found(norm: Normalized, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """(start, end) of every match of a ``_LINE_LOCAL`` or ``_CROSSING`` pattern in
    ``norm.text``, found once (shared: do not change the list)."""
    key, crosses = _KEPT[id(pattern)]
    found = norm.memo.get(key)  # most lookups after the first: spare the call
    return norm.found(key, pattern, crosses) if found is None else found  # type: ignore[return-value]


def _found_with(norm: Normalized, pattern: re.Pattern[str]) -> list[tuple[int, int, int, int]]:
    """(start, end, group start, group end) of every match of a ``_CROSSING_GROUPS``
    pattern (its last group: each branch has one), found once (shared: do not change it)."""
    key = _GROUPED[id(pattern)]
    found = norm.memo.get(key)
    return norm.found(key, pattern, True, True) if found is None else found  # type: ignore[return-value]


def _find_handles(norm: Normalized) -> list[_contacts.Contact]:
    """Personal handles and payment accounts, from the already normalised text."""
    return [c for c in _contacts.find_contacts(norm) if c.kind in _HANDLE_KINDS]


#: A handle named as an official account right after it ("kabao_hs 关注公众号").
_ACCOUNT_AFTER = re.compile(
    r"[\s:：，,（(]{0,3}(?:关注)?(?:微信)?(?:公众号|公眾號|服务号|服務號|小程序)"
)


def _to_add(contact: _contacts.Contact, original: str) -> bool:
    """A handle that is a person to add. A number with an area code (0731-8451 2290) is a
    fixed line, a shop's or an office's phone, and an official account is no person:
    contacts, but no pull to a person."""
    if contact.kind not in _PERSONAL_KINDS:
        return False
    if contact.kind == "phone" and contact.value.startswith("0"):
        return False
    return not _ACCOUNT_AFTER.match(original, contact.end)


# --------------------------------------------------------------------------- API


def _spans(doc: _Text, found: Iterable[tuple[int, int]]) -> list[Span]:
    span = doc.norm.span
    return _as_spans(doc.norm.original, {span(a, b) for a, b in found if b > a})


def _original_spans(original: str, found: Iterable[tuple[int, int]]) -> list[Span]:
    return _as_spans(original, {(a, b) for a, b in found if b > a})


def _as_spans(original: str, places: set[tuple[int, int]]) -> list[Span]:
    """One ``Span`` per distinct place, in order (places are deduplicated as plain tuples:
    hashing the dataclass is far slower)."""
    if not places:  # most codes find nothing in most texts
        return []
    return [Span(a, b, original[a:b]) for a, b in sorted(places)]


def _outside_warnings(doc: _Text, found: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    ranges = doc.warning_ranges()
    if not ranges:  # most texts warn of nothing
        return list(found)
    return [(a, b) for a, b in found if not _inside(ranges, a, b)]


def _detect(
    doc: _Text, on_platform: bool = False, on_topic: bool | None = None
) -> Iterator[tuple[str, list[Span]]]:
    """Each code with its spans (maybe none), in ``CODES`` order (``on_platform`` and
    ``on_topic``: see ``detect_signals``).

    Contacts come back from ``find_contacts`` in original offsets, so everything
    compared with them (calls to contact, warning ranges) is compared there too.
    """
    text = doc.text
    original = doc.norm.original
    contacts = _find_handles(doc.norm)
    yield "contact_handle", _original_spans(original, ((c.start, c.end) for c in contacts))

    onsite = _onsite(doc)
    platform = on_platform or bool(onsite)
    free_handles = sorted(
        (c.start, c.end)
        for c in contacts
        if _to_add(c, original) and not doc.in_warning_original(c.start, c.end)
    )
    off_any = _off_platform(doc)
    contact_only: list[tuple[int, int]] = []
    if free_handles:
        # A site with its own order flow may list a support handle; there only a call
        # that makes the person part of the trade counts: a required contact, or paying
        # the handle ("口令红包发给客服 wx:…").
        calls = _found(doc.norm, _MUST_CONTACT) + off_any
        if not platform:
            calls += _found(doc.norm, _CONTACT_CALL)
        calls = [(a, b) for a, b in calls if not _CALL_REFUSED.search(text, max(0, a - 4), a)]
        calls = _outside_warnings(doc, sorted(calls))
        calls_original = [doc.norm.span(a, b) for a, b in calls]
        used_calls = _near_any(calls_original, free_handles, _CALL_WINDOW)
        used_handles = _near_any(free_handles, used_calls, _CALL_WINDOW)
        if used_handles:
            contact_only += used_handles + used_calls
    searched = list(_found(doc.norm, _SEARCH_CONTACT))
    dm_calls = _outside_warnings(doc, _found(doc.norm, _DM_CALL)) if not platform else []
    if dm_calls:
        offers = _outside_warnings(doc, _found(doc.norm, _BUYER_OFFER))
        for a, b in dm_calls:
            line_start, line_end = doc.line(a)
            in_line = [o for o in offers if line_start <= o[0] < line_end]
            if in_line:
                searched += [(a, b), *in_line]
    if not platform:
        searched += _matches(_QR_CONTACT, text)
    contact_only += [doc.norm.span(a, b) for a, b in _outside_warnings(doc, searched)]
    if contact_only and (on_recovery_topic(doc.norm) if on_topic is None else on_topic):
        yield "contact_only", _original_spans(original, contact_only)

    off = _outside_warnings(doc, off_any)
    accounts = [
        (c.start, c.end)
        for c in contacts
        if c.kind == "payment"
        and not doc.in_warning_original(c.start, c.end)
        and not _SHOP_BEFORE.search(original, max(0, c.start - 3), c.start)
    ]
    yield (
        "off_platform_payment",
        _original_spans(original, [doc.norm.span(a, b) for a, b in off] + accounts),
    )

    upfront = _upfront(doc.norm)
    above = _above_face(doc.norm)
    yield "upfront_fee", _spans(doc, _outside_warnings(doc, upfront))
    yield "above_face_value", _spans(doc, above)
    urgency = _outside_warnings(doc, _found(doc.norm, _URGENCY))
    yield "urgency", _spans(doc, urgency)
    guarantee = _outside_warnings(doc, _guarantee(doc))
    yield "fake_guarantee", _spans(doc, guarantee)
    yield "keyword_stuffing", _spans(doc, _outside_warnings(doc, _keyword_stuffing(doc)))

    # Negative evidence.
    # Scam words (plain words, no terminator in one) are searched in the cues'
    # sentences only: a cue whose sentence has none touches none either, unless the
    # cue runs over its sentence's end ("不要\n加"); then the page is searched.
    cues = doc.cues()
    topics = sorted(off + upfront + above) if cues else []
    warn, other_cues = [], []
    past_end = False
    for a, b, _strong in cues:
        s_a, s_b = doc.sentence(a)
        if _has_between(topics, s_a, s_b) or _SCAM_TOPIC.search(text, s_a, s_b):
            warn.append((a, b))
        else:
            other_cues.append((a, b))
            past_end = past_end or b > s_b
    if past_end or _WARN_WINDOW:
        topics = sorted(topics + _found(doc.norm, _SCAM_TOPIC))
    warn += _near_any(other_cues, topics, _WARN_WINDOW)
    yield "warning_context", _spans(doc, warn)
    officials = _contacts.find_official_contacts(doc.norm)
    yield "official_contact", _original_spans(original, ((c.start, c.end) for c in officials))
    yield "onsite_flow", _spans(doc, onsite)
    yield "icp", _spans(doc, _icp(doc.norm))


def _has_between(sorted_spans: list[tuple[int, int]], start: int, end: int) -> bool:
    k = bisect_left(sorted_spans, (start, start))
    return k < len(sorted_spans) and sorted_spans[k][0] < end


def detect_signals(
    text: str | Normalized, on_platform: bool = False, on_topic: bool | None = None
) -> list[Signal]:
    """Every signal that fires on ``text``, in ``CODES`` order, with original spans.

    Accepts an already normalised text, so that a scorer normalising a page once for
    its features, signals and contacts does not pay three times. The two flags judge
    part of a page (a footer) as its page is judged:

    - ``on_platform``: the page has its own on-site flow, so a support WeChat there
      is not contact-only unless the trade needs it;
    - ``on_topic``: whether the page talks of a recovery trade (``on_recovery_topic``;
      None: ask of ``text`` itself). Contact-only needs it.
    """
    doc = _Text(text if isinstance(text, Normalized) else normalize(text))
    return [Signal(code, spans) for code, spans in _detect(doc, on_platform, on_topic) if spans]


def on_recovery_topic(text: str | Normalized) -> bool:
    """Whether ``text`` talks of a recovery trade at all (cards, rates, PINs, payouts).

    One search that stops at the first word, kept with the normalised text.
    """
    norm = text if isinstance(text, Normalized) else normalize(text)
    found = norm.memo.get(_TOPIC_KEY)
    if found is None:
        found = norm.memo[_TOPIC_KEY] = _RECOVERY_TOPIC.search(norm.text) is not None
    return found


@lru_cache(maxsize=8)
def _doc(text: str) -> _Text:
    return _Text(normalize(text))


def in_warning_context(text: str, start: int, end: int) -> bool:
    """Whether original ``text[start:end]`` sits inside a warning sentence or quote.

    Lets the classifier discount a handle that an anti-fraud page quotes
    (警惕"加微信 abc123 高价回收"骗局). Per-text work is cached, so asking about
    every handle of one page normalises it once.
    """
    if not 0 <= start <= end <= len(text):
        raise IndexError(f"span [{start}, {end}) outside 0..{len(text)}")
    return _doc(text).in_warning_original(start, end)
