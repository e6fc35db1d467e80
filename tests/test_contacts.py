"""Contact handle detection: every disguise in docs/domain.md, the hard negatives, and spans.

All handles here are invented. Each case lists the expected contacts as
(kind, normalised value, the original characters of the span).
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from classifier.contacts import Contact, find_contacts, find_official_contacts
from classifier.normalize import normalize

TRC20 = "TMASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4d"
ERC20 = "0xc17149d439536b3216fdaeeb975729fae923d5a4"

CASES: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    # ---- WeChat and its disguises
    ("plain", "微信号：abc_123 长期收", [("wechat", "abc_123", "abc_123")]),
    ("traditional 微信號", "微信號：kx_5566", [("wechat", "kx_5566", "kx_5566")]),
    ("薇信 split by spaces", "薇信 hs 88 99 长期收", [("wechat", "hs8899", "hs 88 99")]),
    ("威信 with colon", "威信：mm_card2020", [("wechat", "mm_card2020", "mm_card2020")]),
    ("徽信", "徽信: gift_9988", [("wechat", "gift_9988", "gift_9988")]),
    ("V信", "V信：yy12345a", [("wechat", "yy12345a", "yy12345a")]),
    ("vx", "vx：shouka_88 备注回收", [("wechat", "shouka_88", "shouka_88")]),
    ("wx", "wx: abc66688", [("wechat", "abc66688", "abc66688")]),
    ("➕V", "➕V ka_shou123", [("wechat", "ka_shou123", "ka_shou123")]),
    ("加v", "要出卡的加v kaka_001", [("wechat", "kaka_001", "kaka_001")]),
    ("+V", "+V：tk8899aa", [("wechat", "tk8899aa", "tk8899aa")]),
    ("🛰 emoji", "🛰：xin_ka_01", [("wechat", "xin_ka_01", "xin_ka_01")]),
    ("卫星号", "卫星号 ws_20240", [("wechat", "ws_20240", "ws_20240")]),
    ("加微", "加微 mk_1818", [("wechat", "mk_1818", "mk_1818")]),
    ("full-width id", "微信號：ＡＢＣ１２３", [("wechat", "abc123", "ＡＢＣ１２３")]),
    ("emoji decoration", "🔥加微信🔥：hot_card99💰", [("wechat", "hot_card99", "hot_card99")]),
    (
        "dotted with spaces",
        "加V信 pq 31 . 840 . z 秒结",
        [("wechat", "pq31840z", "pq 31 . 840 . z")],
    ),
    ("middle dots", "加微信 mk·dashou·1818 报价", [("wechat", "mkdashou1818", "mk·dashou·1818")]),
    (
        "one letter at a time",
        "报价微信 h f _ k a 8 8（去掉空格搜索添加）",
        [("wechat", "hf_ka88", "h f _ k a 8 8")],
    ),
    (
        "rejoin hint without label",
        "老板号 k.a.m.i._.s.h.o.u(点去掉再搜)",
        [("wechat", "kami_shou", "k.a.m.i._.s.h.o.u")],
    ),
    ("wxid", "搜索 wxid_abc12345 添加", [("wechat", "wxid_abc12345", "wxid_abc12345")]),
    ("digit wechat id", "微信：87532190", [("wechat", "87532190", "87532190")]),
    ("id then English", "vx: abc123 dm me", [("wechat", "abc123", "abc123")]),
    ("id then year", "微信 kk_card7 2024年新店", [("wechat", "kk_card7", "kk_card7")]),
    # ---- phone numbers and their disguises
    ("plain mobile", "电话 13912345678", [("phone", "13912345678", "13912345678")]),
    ("traditional 電話", "電話：13912345678", [("phone", "13912345678", "13912345678")]),
    (
        "full-width digits",
        "１５９８２０１０３８４",
        [("phone", "15982010384", "１５９８２０１０３８４")],
    ),
    ("circled digits", "①⑤⑨⑧②⓪①⓪③⑧④", [("phone", "15982010384", "①⑤⑨⑧②⓪①⓪③⑧④")]),
    ("parenthesised digits", "⑴⑶⑻⑴⑵⑶⑷⑸⑹⑺⑻", [("phone", "13812345678", "⑴⑶⑻⑴⑵⑶⑷⑸⑹⑺⑻")]),
    ("dingbat digits", "➀➂➇❶❷❸❹❺❻❼❽", [("phone", "13812345678", "➀➂➇❶❷❸❹❺❻❼❽")]),
    ("full-stop digits", "⒈⒊⒏⒈⒉⒊⒋⒌⒍⒎⒏", [("phone", "13812345678", "⒈⒊⒏⒈⒉⒊⒋⒌⒍⒎⒏")]),
    ("keycap emoji", "1️⃣3️⃣8️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣", [("phone", "13812345678", "1️⃣3️⃣8️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣")]),
    (
        "Chinese numerals",
        "一五九八二〇一〇三八四",
        [("phone", "15982010384", "一五九八二〇一〇三八四")],
    ),
    (
        "a label, a comma, then the call",
        "打开 QQ，添加客服 3318270546，验证信息填“卖卡”",
        [("qq", "3318270546", "3318270546")],
    ),
    ("labels listed with commas are no handle", "微信，QQ，电话都可以联系我们", []),
    (
        "numerals ending an ID, after a lone 微",
        "（收E卡，微：jd五一八零）",
        [("wechat", "jd5180", "jd五一八零")],
    ),
    ("a word ending in 微 is no WeChat", "稍微:abc123", []),
    ("薇芯 for 微信", "加薇芯 yh-kashou 就行", [("wechat", "yh-kashou", "yh-kashou")]),
    ("a microchip is no WeChat", "国产微芯片 abc123", []),
    ("a lone 薇 before a handle", "联系：薇 youka_ytx", [("wechat", "youka_ytx", "youka_ytx")]),
    ("a name ending in 薇 is no WeChat", "小薇 abc123", []),
    (
        "a lone Q before numerals",
        "联系：Q 七五二八六九一零三（数字自己拼一下）",
        [("qq", "752869103", "七五二八六九一零三")],
    ),
    (
        "financial numerals",
        "壹伍玖捌贰零壹零叁捌肆",
        [("phone", "15982010384", "壹伍玖捌贰零壹零叁捌肆")],
    ),
    (
        "幺 with spaces",
        "幺三八 幺二三四 五六七八",
        [("phone", "13812345678", "幺三八 幺二三四 五六七八")],
    ),
    ("○ as zero", "一五九八二○一○三八四", [("phone", "15982010384", "一五九八二○一○三八四")]),
    (
        "mixed digits and numerals",
        "159八二〇一〇三八四",
        [("phone", "15982010384", "159八二〇一〇三八四")],
    ),
    ("split by ★", "159★8201★0384", [("phone", "15982010384", "159★8201★0384")]),
    ("split by dots", "159.8201.0384", [("phone", "15982010384", "159.8201.0384")]),
    ("split by hyphens", "159-8201-0384", [("phone", "15982010384", "159-8201-0384")]),
    ("split by ·", "159·8201·0384", [("phone", "15982010384", "159·8201·0384")]),
    ("split by spaces", "159 8201 0384", [("phone", "15982010384", "159 8201 0384")]),
    (
        "every digit apart",
        "1 5 9 8 2 0 1 0 3 8 4",
        [("phone", "15982010384", "1 5 9 8 2 0 1 0 3 8 4")],
    ),
    (
        "zero-width spaces",
        "138\u200b1234\u200b5678",
        [("phone", "13812345678", "138\u200b1234\u200b5678")],
    ),
    ("+86", "tel: +86 138 1234 5678", [("phone", "13812345678", "+86 138 1234 5678")]),
    ("landline", "座机：0755-26831947", [("phone", "075526831947", "0755-26831947")]),
    (
        "traditional with circled",
        "電話：①③⑧⑴②③④⑤⑥⑦⑧",
        [("phone", "13812345678", "①③⑧⑴②③④⑤⑥⑦⑧")],
    ),
    # ---- same number (同号)
    (
        "电话微信同号",
        "电话微信同号 159-8201-0384",
        [("wechat", "15982010384", "159-8201-0384"), ("phone", "15982010384", "159-8201-0384")],
    ),
    (
        "number then (微信同号)",
        "手机 13812345678（微信同号）",
        [("wechat", "13812345678", "13812345678"), ("phone", "13812345678", "13812345678")],
    ),
    (
        "电话同微信",
        "电话同微信 137 2468 1357 报价",
        [("wechat", "13724681357", "137 2468 1357"), ("phone", "13724681357", "137 2468 1357")],
    ),
    (
        "手机号就是微信号",
        "手机号就是微信号，18620471234 同号",
        [("wechat", "18620471234", "18620471234"), ("phone", "18620471234", "18620471234")],
    ),
    # ---- QQ
    ("扣扣", "扣扣：3172649580", [("qq", "3172649580", "3172649580")]),
    ("抠抠", "抠抠 519283746", [("qq", "519283746", "519283746")]),
    ("企鹅", "企鹅：682910374", [("qq", "682910374", "682910374")]),
    ("企鹅 in brackets", "二号客服(企鹅):1846302950", [("qq", "1846302950", "1846302950")]),
    ("q with colon", "q:1234567", [("qq", "1234567", "1234567")]),
    ("q号", "q号 3061748250 验证写卡", [("qq", "3061748250", "3061748250")]),
    ("Q群", "Q群 76543210", [("qq", "76543210", "76543210")]),
    ("QQ群号", "QQ群号：812734651", [("qq", "812734651", "812734651")]),
    ("qq on the next line", "QQ在线咨询\n2847361950", [("qq", "2847361950", "2847361950")]),
    (
        "second group number",
        "QQ群：527 318 604（已满），新群 527 318 609",
        [("qq", "527318604", "527 318 604"), ("qq", "527318609", "527 318 609")],
    ),
    (
        "tencent link",
        "tencent://message/?uin=364829175&Site=x&Menu=yes",
        [("qq", "364829175", "tencent://message/?uin=364829175")],
    ),
    (
        "wpa.qq.com link",
        "http://wpa.qq.com/msgrd?v=3&uin=917364825&site=qq&menu=yes",
        [("qq", "917364825", "http://wpa.qq.com/msgrd?v=3&uin=917364825")],
    ),
    (
        "wechat and qq",
        "微信：mm_shou_66 QQ:2736481950",
        [("wechat", "mm_shou_66", "mm_shou_66"), ("qq", "2736481950", "2736481950")],
    ),
    (
        "wechat, or qq",
        "加 vx：kk_card7，或者QQ 3817264950",
        [("wechat", "kk_card7", "kk_card7"), ("qq", "3817264950", "3817264950")],
    ),
    (
        "微信/QQ one number",
        "微信/QQ：87654321",
        [("wechat", "87654321", "87654321"), ("qq", "87654321", "87654321")],
    ),
    # ---- Telegram
    ("纸飞机 @name", "纸飞机 @card_king88", [("telegram", "card_king88", "@card_king88")]),
    ("飞机 name", "飞机：ka_buyer01", [("telegram", "ka_buyer01", "ka_buyer01")]),
    ("TG", "TG: shou_ka_tg", [("telegram", "shou_ka_tg", "shou_ka_tg")]),
    ("telegram 客服", "联系Telegram客服 @gift_desk", [("telegram", "gift_desk", "@gift_desk")]),
    (
        "@name on a page about 飞机",
        "只在飞机上谈，搜 @kafang_laok ，其他渠道都不是我",
        [("telegram", "kafang_laok", "@kafang_laok")],
    ),
    ("t.me", "进群 t.me/giftcard_otc", [("telegram", "giftcard_otc", "t.me/giftcard_otc")]),
    (
        "https t.me",
        "https://t.me/giftcard_otc",
        [("telegram", "giftcard_otc", "https://t.me/giftcard_otc")],
    ),
    # ---- payment
    ("USDT address", f"USDT(TRC20)地址：{TRC20}", [("payment", TRC20, TRC20)]),
    ("bare TRC20 address", f"转到 {TRC20} 即可", [("payment", TRC20, TRC20)]),
    ("ERC20 address", f"钱包地址：{ERC20}", [("payment", ERC20, ERC20)]),
    (
        "支付宝 e-mail",
        "支付宝账号：pay_test01@163.com（收款人王某）",
        [("payment", "pay_test01@163.com", "pay_test01@163.com")],
    ),
    ("支付宝 phone", "支付宝：13712345678", [("payment", "13712345678", "13712345678")]),
    ("收款码 mention", "扫码付款到我的收款码", [("payment", "收款码", "收款码")]),
    # ---- URLs
    (
        "url",
        "详情见 https://Example.com/A?b=1 。",
        [("url", "https://Example.com/A?b=1", "https://Example.com/A?b=1")],
    ),
    # ---- negatives: official numbers, dates, prices, order numbers, ordinary words
    ("10086", "中国移动客服热线 10086", []),
    ("95188", "支付宝官方客服 95188", []),
    ("400 number", "全国统一服务热线 400-606-5500", []),
    ("96110", "接到可疑电话请拨打反诈专线 96110", []),
    ("95555 after a label", "电话：95555", []),
    ("13800138000", "充值热线 13800138000", []),
    ("date", "发布于 2024-03-15 10:30", []),
    ("price", "面值100元，回收价95元，折扣 98%-105%", []),
    ("order number", "订单号 2023110512345678", []),
    ("card number", "卡号 2203 1105 4321 5678 密码 8888", []),
    ("一起 十分", "我们一起回收，十分方便，一二三", []),
    ("year in numerals", "二〇二四年三月", []),
    ("official account", "关注微信公众号 卡券之家", []),
    ("payment channels", "支持微信、支付宝、QQ钱包付款，微信支付 100 元", []),
    ("威信 as a word", "威信县城里树立威信", []),
    ("卫星 and 飞机 as words", "卫星电视，坐飞机去北京", []),
    ("Q币", "Q币 100 元回收", []),
    ("app version", "微信 8.0.4923 版本更新了转账功能", []),
    ("masked number", "尾号 138****5678 的用户", []),
    ("e-mail is not telegram", "投稿 editor@example.com，坐飞机", []),
]


#: Bank card and account numbers (all invented): a payment handle only with a bank cue
#: near it, never as a gift / fuel card, an order number, a record number or a time.
BANK_CASES: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    # ---- positives: value is the digits, the span the number as written
    (
        "户名 and 开户行 before",
        "解冻费请转入 户名:王建 开户行:农业银行 卡号 6228 4803 9812 6650 174",
        [("payment", "6228480398126650174", "6228 4803 9812 6650 174")],
    ),
    (
        "对公账户, bank after, mixed separators",
        "对公账户 6217 0028-7005-3316 842 中国建设银行",
        [("payment", "6217002870053316842", "6217 0028-7005-3316 842")],
    ),
    (
        "full-width digits split by ★",
        "工商银行卡号：６２２２★０２１３★０４５１★８８７６",
        [("payment", "6222021304518876", "６２２２★０２１３★０４５１★８８７６")],
    ),
    (
        "dots, traditional 銀行",
        "招商銀行 卡號 6214.8305.7126.9308 戶名 劉某",
        [("payment", "6214830571269308", "6214.8305.7126.9308")],
    ),
    (
        "bank in brackets after",
        "先转 10 元验证费到 6230 5822 1109 4476(建设银行)",
        [("payment", "6230582211094476", "6230 5822 1109 4476")],
    ),
    (
        "户名 after, on the next line",
        "请转入监管账户:\n账号:6222 0213 0451 8876\n户名:周某(财务)",
        [("payment", "6222021304518876", "6222 0213 0451 8876")],
    ),
    (
        "开户行 on the line above",
        "开户行:工商银行城东支行\n账号:6222021304518876",
        [("payment", "6222021304518876", "6222021304518876")],
    ),
    (
        "收款账户 unsplit",
        "收款账户：6217856100047732915，转完截图",
        [("payment", "6217856100047732915", "6217856100047732915")],
    ),
    (
        "个人卡 with Chinese numerals",
        "税点打到财务个人卡 陆贰壹柒 捌伍陆壹 零零零肆 柒柒叁贰",
        [("payment", "6217856100047732", "陆贰壹柒 捌伍陆壹 零零零肆 柒柒叁贰")],
    ),
    (
        "two accounts",
        "中国银行 6216 6100 0001 2345 678 或 邮储银行 6221 8812 3456 7890",
        [
            ("payment", "6216610000012345678", "6216 6100 0001 2345 678"),
            ("payment", "6221881234567890", "6221 8812 3456 7890"),
        ],
    ),
    (
        "bank account beside a WeChat",
        "微信 kk_card7 银行卡 6228 4803 9812 6650 174",
        [
            ("wechat", "kk_card7", "kk_card7"),
            ("payment", "6228480398126650174", "6228 4803 9812 6650 174"),
        ],
    ),
    (
        "a WeChat label shared with the card",
        "微信/银行卡：6222 0213 0451 8876",
        [("payment", "6222021304518876", "6222 0213 0451 8876")],
    ),
    # ---- negatives
    ("京东E卡 卡号 with a bank later", "京东E卡 卡号 2203 1105 4321 5678 回收款打到银行卡", []),
    ("加油卡卡号", "中石化加油卡卡号 1000 1131 0000 4567 890 余额 500 元 工商银行", []),
    ("卡号 and 密码, bank after", "卡号 2203 1105 4321 5678 密码 8888 可提现到银行卡", []),
    ("订单号 by a bank", "订单号 6228480398126650 已退回您的农业银行卡", []),
    ("流水号", "建设银行 转账流水号 6217002870053316842", []),
    ("no context", "把钱转到 6228 4803 9812 6650 174 就行了", []),
    ("bare number", "6228480398126650174", []),
    ("ICP record", "中国银行版权所有 京公网安备 1101020000810001号", []),
    ("timestamp", "建设银行 交易时间戳 20261123140211883", []),
    ("order code with letters", "银行到账 单据 LJ2026112309150042", []),
    ("longer number run", "工商银行 6222 0213 0451 8876 1234 5678", []),
    ("too short", "工商银行 卡号 6222 0213 0451 887", []),
]

CASES += BANK_CASES


def _triples(contacts: list[Contact]) -> list[tuple[str, str, str]]:
    return [(c.kind, c.value, c.text) for c in contacts]


@pytest.mark.parametrize(
    ("text", "expected"), [pytest.param(t, e, id=name) for name, t, e in CASES]
)
def test_find_contacts(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert _triples(find_contacts(text)) == expected


@pytest.mark.parametrize("text", [pytest.param(t, id=name) for name, t, _ in CASES])
def test_spans_round_trip(text: str) -> None:
    padded = f"前文★ {text} ☆后文"  # findings inside a longer text keep their place
    for contact in find_contacts(padded):
        assert 0 <= contact.start < contact.end <= len(padded)
        assert padded[contact.start : contact.end] == contact.text


@pytest.mark.parametrize("text", [pytest.param(t, id=name) for name, t, _ in CASES])
def test_normalize_span_map_is_monotone_and_in_range(text: str) -> None:
    norm = normalize(text)
    origin = norm.origin
    assert len(origin) == len(norm.text) + 1
    assert origin[-1] == len(text)
    assert all(0 <= o <= len(text) for o in origin)
    assert all(a <= b for a, b in pairwise(origin))
    ends = [norm.span(0, j)[1] for j in range(1, len(norm.text) + 1)]
    assert all(a <= b for a, b in pairwise(ends))
    for i in range(len(norm.text)):
        start, end = norm.span(i, i + 1)
        assert 0 <= start < end <= len(text)


def test_same_handle_twice_is_reported_twice_with_its_own_span() -> None:
    text = "微信 ab_1234 … 再说一遍 微信 ab_1234"
    contacts = find_contacts(text)
    assert [(c.kind, c.value) for c in contacts] == [("wechat", "ab_1234")] * 2
    assert [text[c.start : c.end] for c in contacts] == ["ab_1234", "ab_1234"]
    assert contacts[0].start < contacts[1].start


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("客服热线 10086", [("hotline", "10086", "10086")]),
        ("支付宝客服 95188", [("hotline", "95188", "95188")]),
        ("服务热线 400-606-5500", [("hotline", "4006065500", "400-606-5500")]),
        ("反诈专线 96110", [("hotline", "96110", "96110")]),
        ("消费者投诉 12315", [("hotline", "12315", "12315")]),
        ("中国电信 10000", [("hotline", "10000", "10000")]),
        ("面值 10000 元", []),
        (
            "关注微信公众号卡券之家",
            [("official_account", "卡券之家", "关注微信公众号卡券之家")],
        ),
        ("请联系官方客服", [("official_service", "官方客服", "官方客服")]),
    ],
)
def test_find_official_contacts(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert _triples(find_official_contacts(text)) == expected


def test_enough_cases() -> None:
    assert len(CASES) >= 60
    assert len(BANK_CASES) >= 15


@pytest.mark.parametrize("text", [pytest.param(t, id=name) for name, t, _ in BANK_CASES])
def test_bank_accounts_of_lines_cut_from_the_page_are_their_own(text: str) -> None:
    """Units read the page's number matches (``Normalized.found``): same as alone."""
    page = normalize(text)
    find_contacts(page)  # the page first, as scoring does: its matches are kept
    breaks = [k for k, c in enumerate(text) if c == "\n"]
    starts, ends = [0] + [k + 1 for k in breaks], [*breaks, len(text)]
    for a in starts:
        for b in ends:
            if a < b:
                assert _triples(find_contacts(page.lines(a, b))) == _triples(
                    find_contacts(text[a:b])
                ), text[a:b]
