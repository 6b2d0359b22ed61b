"""Demo FAQ content for the four scenarios, loaded by ``accounts.demo.demo_load``.

Written for Madoguchi: fictional but typical municipal answers, not any city's real
FAQ text (never copy evaluation data here). Fees, times and places are demo values.
Loading is idempotent: categories, synonyms and FAQs that already exist are left alone.
Each FAQ goes through the real workflow (create → submit → approve → publish) with the
system as actor, so versions, approvals and audit events exist as in production.
"""

# ruff: noqa: E501  (demo texts: one sentence per literal reads better than a split)
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from madoguchi.knowledge import services
from madoguchi.knowledge.content import FaqContent, TextInput
from madoguchi.knowledge.models import Category, Faq, Synonym
from madoguchi.tenancy.models import Center

# (axis, slug, ja, en, zh-hans, ko)
CategorySpec = tuple[str, str, str, str, str, str]


@dataclass(frozen=True)
class DemoFaq:
    code: str
    question: str
    answer: str
    keywords: str = ""
    department: str = ""
    categories: tuple[str, ...] = ()  # "axis:slug"
    related: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    internal: bool = False
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)


IWAKI_CATEGORIES: list[CategorySpec] = [
    ("life_event", "hikkoshi", "引っ越し", "Moving", "搬家", "이사"),
    ("life_event", "kekkon", "結婚・離婚", "Marriage and divorce", "结婚・离婚", "결혼・이혼"),
    ("life_event", "shussan", "妊娠・出産", "Pregnancy and birth", "怀孕・生育", "임신・출산"),
    ("life_event", "kosodate", "子育て", "Child raising", "育儿", "육아"),
    ("life_event", "okuyami", "おくやみ", "Bereavement", "丧事", "사망・장례"),
    ("life_event", "kurashi", "くらし・ごみ", "Daily life and waste", "生活・垃圾", "생활・쓰레기"),
    ("life_event", "zeikin", "税金", "Taxes", "税金", "세금"),
    (
        "life_event",
        "kenko",
        "健康・保険・年金",
        "Health, insurance, pension",
        "健康・保险・年金",
        "건강・보험・연금",
    ),
    ("district", "zenshi", "市内全域", "Whole city", "全市", "시 전역"),
    ("district", "taira", "平地区", "Taira", "平地区", "다이라 지구"),
    ("district", "onahama", "小名浜地区", "Onahama", "小名浜地区", "오나하마 지구"),
    ("district", "nakoso", "勿来地区", "Nakoso", "勿来地区", "나코소 지구"),
    ("department", "shimin", "市民課", "Citizens Division", "市民课", "시민과"),
    (
        "department",
        "hoken-nenkin",
        "保険年金課",
        "Insurance and Pension Division",
        "保险年金课",
        "보험연금과",
    ),
    ("department", "shiminzei", "市民税課", "Municipal Tax Division", "市民税课", "시민세과"),
    (
        "department",
        "gomi",
        "ごみ減量推進課",
        "Waste Reduction Division",
        "垃圾减量推进课",
        "쓰레기감량추진과",
    ),
    (
        "department",
        "kodomo",
        "こども家庭課",
        "Children and Families Division",
        "儿童家庭课",
        "아동가정과",
    ),
    ("keyword", "mynumber", "マイナンバー", "My Number", "个人编号", "마이넘버"),
    ("keyword", "shomeisho", "証明書", "Certificates", "证明书", "증명서"),
    ("keyword", "online", "オンライン申請", "Online application", "网上申请", "온라인 신청"),
    (
        "keyword",
        "conbini",
        "コンビニ交付",
        "Convenience store issuance",
        "便利店领取",
        "편의점 발급",
    ),
]

_CITY = "https://www.city.iwaki.example.jp"

IWAKI_FAQS: list[DemoFaq] = [
    DemoFaq(
        "IW-0001",
        "住民票の写しはどこで取れますか。",
        "本庁舎1階の市民課窓口と各支所の市民課で請求できます。マイナンバーカードをお持ちの方は、"
        "全国のコンビニエンスストアのマルチコピー機でも取得できます（6時30分から23時まで）。"
        "窓口では本人確認書類をお持ちください。手数料は1通300円です。",
        "住民票\n住民票の写し\nじゅうみんひょう",
        "市民課",
        (
            "life_event:hikkoshi",
            "district:zenshi",
            "department:shimin",
            "keyword:shomeisho",
            "keyword:conbini",
        ),
        ("IW-0002", "IW-0005"),
        ((f"{_CITY}/juminhyo.html", "住民票の写しの請求"),),
        translations={
            "en": (
                "Where can I get a copy of my residence certificate (juminhyo)?",
                "At the Citizens Division counter on the 1st floor of City Hall or at any branch "
                "office. With a My Number Card you can also print it at convenience-store "
                "multi-copy machines nationwide (6:30 a.m.–11 p.m.). Please bring photo ID to "
                "the counter. The fee is 300 yen per copy.",
            ),
            "zh-hans": (
                "在哪里可以领取住民票副本？",
                "可在市政府本厅1楼市民课窗口及各支所申请。持有个人编号卡的人，也可以在全国便利店的"
                "多功能复印机领取（6:30至23:00）。窗口申请时请携带本人身份证明文件。手续费每份300日元。",
            ),
            "ko": (
                "주민표 사본은 어디에서 발급받을 수 있습니까?",
                "시청 본청 1층 시민과 창구와 각 지소에서 신청할 수 있습니다. 마이넘버카드가 있으면 "
                "전국 편의점 멀티복사기에서도 발급받을 수 있습니다(6시 30분~23시). 창구에서는 "
                "본인확인 서류를 지참해 주십시오. 수수료는 1통 300엔입니다.",
            ),
        },
    ),
    DemoFaq(
        "IW-0002",
        "コンビニで証明書を取るには何が必要ですか。",
        "利用者証明用電子証明書が有効なマイナンバーカードと、その暗証番号（数字4桁）が必要です。"
        "住民票の写し、印鑑登録証明書、課税（所得）証明書、戸籍証明書（本籍がいわき市の方）が取得できます。",
        "コンビニ交付\nマルチコピー機",
        "市民課",
        ("keyword:conbini", "keyword:mynumber", "keyword:shomeisho", "department:shimin"),
        ("IW-0001", "IW-0030"),
        translations={
            "en": (
                "What do I need to get certificates at a convenience store?",
                "A My Number Card with a valid user-certificate and its 4-digit PIN. You can get "
                "a residence certificate, a seal registration certificate, a tax certificate and "
                "a family register certificate (if your registered domicile is in the city).",
            ),
        },
    ),
    DemoFaq(
        "IW-0003",
        "市外から引っ越してきました。どんな手続きが必要ですか。",
        "引っ越した日から14日以内に、市民課または支所で転入届を出してください。前の住所地で"
        "発行された転出証明書（マイナンバーカードで転出届をした方は不要）と本人確認書類をお持ちください。"
        "あわせて国民健康保険、児童手当、小中学校の転入学などの手続きが必要になる場合があります。",
        "転入\n転入届\n引越し",
        "市民課",
        ("life_event:hikkoshi", "department:shimin", "district:zenshi"),
        ("IW-0004", "IW-0006", "IW-0020"),
        translations={
            "en": (
                "I moved here from another municipality. What do I need to do?",
                "Submit a moving-in notification at the Citizens Division or a branch office "
                "within 14 days of moving. Bring the moving-out certificate from your previous "
                "municipality (not needed if you filed online with a My Number Card) and photo "
                "ID. National Health Insurance, child allowance and school transfer may also "
                "need procedures.",
            ),
            "zh-hans": (
                "我从外地搬来了，需要办理哪些手续？",
                "请在搬家之日起14天内，到市民课或支所提交迁入申报。请携带原住址地发行的迁出证明"
                "（用个人编号卡办理迁出的人不需要）和本人身份证明文件。可能还需要办理国民健康保险、"
                "儿童津贴、中小学转学等手续。",
            ),
            "ko": (
                "다른 시에서 이사 왔습니다. 어떤 절차가 필요합니까?",
                "이사한 날로부터 14일 이내에 시민과 또는 지소에 전입신고를 해 주십시오. 이전 주소지에서 "
                "발급받은 전출증명서(마이넘버카드로 전출신고를 한 경우 불필요)와 본인확인 서류를 "
                "지참해 주십시오. 국민건강보험, 아동수당, 초・중학교 전학 등의 절차가 필요할 수 있습니다.",
            ),
        },
    ),
    DemoFaq(
        "IW-0004",
        "市外へ引っ越します。転出届はいつ出せばよいですか。",
        "引っ越しの14日前から届け出ができます。マイナンバーカードをお持ちの方は、マイナポータルから"
        "オンラインで転出届を出すこともできます。窓口で届け出た場合は転出証明書をお渡しします。",
        "転出\n転出届",
        "市民課",
        ("life_event:hikkoshi", "department:shimin", "keyword:online"),
        ("IW-0003",),
    ),
    DemoFaq(
        "IW-0005",
        "代理人が住民票を請求するときは何が必要ですか。",
        "本人が書いた委任状と、代理人の本人確認書類が必要です。同じ世帯の方は委任状がなくても"
        "請求できます。委任状の様式は市のホームページからダウンロードできます。",
        "委任状\n代理",
        "市民課",
        ("keyword:shomeisho", "department:shimin"),
        ("IW-0001",),
        ((f"{_CITY}/ininjo.html", "委任状の様式"),),
    ),
    DemoFaq(
        "IW-0006",
        "市内で住所が変わりました。届け出は必要ですか。",
        "市内での住所変更（転居）も、引っ越した日から14日以内に転居届が必要です。"
        "マイナンバーカードをお持ちの方はカードの住所変更も同時に行いますので、カードと暗証番号をお持ちください。",
        "転居\n転居届\n住所変更",
        "市民課",
        ("life_event:hikkoshi", "department:shimin"),
        ("IW-0003",),
    ),
    DemoFaq(
        "IW-0007",
        "印鑑登録をするには何を持っていけばよいですか。",
        "登録する印鑑と、顔写真付きの本人確認書類（マイナンバーカード、運転免許証など）をお持ちのうえ、"
        "本人が市民課または支所に来てください。顔写真付きの書類がない場合は、後日郵送する照会書で登録します。",
        "印鑑登録\n実印",
        "市民課",
        ("keyword:shomeisho", "department:shimin"),
        ("IW-0008",),
    ),
    DemoFaq(
        "IW-0008",
        "印鑑登録証明書を取りたいです。",
        "印鑑登録証（カード）を持って市民課または支所の窓口で請求してください。手数料は1通300円です。"
        "マイナンバーカードがあればコンビニでも取得できます。",
        "印鑑証明\n印鑑登録証明書",
        "市民課",
        ("keyword:shomeisho", "keyword:conbini", "department:shimin"),
        ("IW-0007", "IW-0002"),
    ),
    DemoFaq(
        "IW-0009",
        "戸籍謄本を郵送で請求できますか。",
        "できます。請求書、本人確認書類の写し、手数料分の定額小為替、切手を貼った返信用封筒を"
        "市民課戸籍係あてに郵送してください。戸籍全部事項証明書（謄本）は1通450円です。",
        "戸籍\n郵送請求\n戸籍全部事項証明書",
        "市民課",
        ("keyword:shomeisho", "department:shimin"),
        links=((f"{_CITY}/koseki-yuso.html", "戸籍証明書の郵送請求"),),
    ),
    DemoFaq(
        "IW-0010",
        "婚姻届はいつでも出せますか。",
        "婚姻届は閉庁日や夜間も本庁舎の夜間休日窓口で受け付けます。記入に不備があると受理が"
        "遅れることがあるため、事前に市民課で内容を確認することをおすすめします。",
        "婚姻届\n結婚",
        "市民課",
        ("life_event:kekkon", "department:shimin"),
        ("IW-0011",),
        translations={
            "en": (
                "Can I submit a marriage registration at any time?",
                "Yes. Outside office hours it is accepted at the night and holiday counter of "
                "City Hall. Errors in the form can delay acceptance, so we recommend having it "
                "checked at the Citizens Division beforehand.",
            ),
        },
    ),
    DemoFaq(
        "IW-0011",
        "離婚届を出したあと、どんな手続きがありますか。",
        "氏が変わる方は、国民健康保険証や印鑑登録、マイナンバーカードの記載変更などが必要です。"
        "お子さんがいる方は児童扶養手当や児童手当の手続きもご確認ください。",
        "離婚\n離婚届",
        "市民課",
        ("life_event:kekkon", "department:shimin"),
        ("IW-0010", "IW-0024"),
    ),
    DemoFaq(
        "IW-0012",
        "出生届はどこに出せばよいですか。",
        "生まれた日を含めて14日以内に、本籍地・住所地または出生地の市区町村に届け出てください。"
        "出生証明書（医師等が記入したもの）が必要です。児童手当や乳幼児医療の申請も忘れずに行ってください。",
        "出生届\n赤ちゃん",
        "市民課",
        ("life_event:shussan", "department:shimin"),
        ("IW-0022", "IW-0023"),
        translations={
            "en": (
                "Where do I submit a birth registration?",
                "Within 14 days of the birth (counting the day of birth), at the city of your "
                "registered domicile, your address or the place of birth. A birth certificate "
                "completed by the doctor or midwife is needed. Please also apply for child "
                "allowance and infant medical support.",
            ),
            "zh-hans": (
                "出生申报应该在哪里办理？",
                "请在包括出生当天在内的14天内，向本籍地、住所地或出生地的市区町村申报。需要医生等填写的"
                "出生证明书。也请不要忘记申请儿童津贴和婴幼儿医疗补助。",
            ),
            "ko": (
                "출생신고는 어디에 해야 합니까?",
                "태어난 날을 포함하여 14일 이내에 본적지・주소지 또는 출생지의 시구정촌에 신고해 "
                "주십시오. 의사 등이 작성한 출생증명서가 필요합니다. 아동수당과 영유아 의료 신청도 "
                "잊지 마십시오.",
            ),
        },
    ),
    DemoFaq(
        "IW-0013",
        "母子健康手帳はどこでもらえますか。",
        "妊娠届を地区保健福祉センターに出すと、母子健康手帳と妊婦健康診査受診票をお渡しします。"
        "医療機関で妊娠の診断を受けたら、早めに届け出てください。",
        "母子手帳\n妊娠届",
        "こども家庭課",
        ("life_event:shussan", "department:kodomo"),
        ("IW-0012",),
    ),
    DemoFaq(
        "IW-0014",
        "家族が亡くなりました。どんな手続きが必要ですか。",
        "死亡届は亡くなったことを知った日から7日以内に提出します。その後、国民健康保険・後期高齢者医療の"
        "資格喪失、年金、介護保険、税金などの手続きがあります。おくやみ窓口で必要な手続きをまとめてご案内します。",
        "死亡届\nおくやみ窓口\n亡くなった",
        "市民課",
        ("life_event:okuyami", "department:shimin"),
        ("IW-0015",),
        translations={
            "en": (
                "A family member has died. What procedures are needed?",
                "File a death notification within 7 days of learning of the death. Then health "
                "insurance, pension, long-term care insurance and tax procedures follow. The "
                "bereavement counter guides you through all of them in one place.",
            ),
        },
    ),
    DemoFaq(
        "IW-0015",
        "おくやみ窓口は予約が必要ですか。",
        "予約制です。電話またはオンラインで、来庁希望日の3開庁日前までにご予約ください。"
        "予約時に亡くなった方の情報を伺い、当日必要な書類をご案内します。",
        "おくやみ\n予約",
        "市民課",
        ("life_event:okuyami", "department:shimin"),
        ("IW-0014",),
    ),
    DemoFaq(
        "IW-0016",
        "粗大ごみはどうやって出せばよいですか。",
        "粗大ごみ受付センターに電話またはインターネットで申し込んでください。収集日と手数料を"
        "お知らせしますので、粗大ごみ処理券をコンビニ等で購入して貼り、指定日の朝8時までに出してください。",
        "粗大ごみ\n大型ごみ\n家具\n自転車",
        "ごみ減量推進課",
        ("life_event:kurashi", "department:gomi", "district:zenshi"),
        ("IW-0017", "IW-0018"),
        ((f"{_CITY}/sodai.html", "粗大ごみの申し込み"),),
        translations={
            "en": (
                "How do I put out oversized garbage?",
                "Apply to the Oversized Garbage Reception Center by phone or online. We tell "
                "you the collection day and fee; buy a disposal ticket at a convenience store, "
                "attach it and put the item out by 8 a.m. on the collection day.",
            ),
            "zh-hans": (
                "大件垃圾怎么扔？",
                "请通过电话或网络向大件垃圾受理中心申请。我们会告知收集日期和手续费，请在便利店等"
                "购买大件垃圾处理券贴上，并在指定日早上8点前放到指定地点。",
            ),
            "ko": (
                "대형 쓰레기는 어떻게 버립니까?",
                "대형쓰레기 접수센터에 전화 또는 인터넷으로 신청해 주십시오. 수거일과 수수료를 "
                "알려 드리므로 편의점 등에서 처리권을 구입하여 붙이고 지정일 오전 8시까지 내놓아 주십시오.",
            ),
        },
    ),
    DemoFaq(
        "IW-0017",
        "ごみの収集日を知りたいです。",
        "収集日は地区ごとに決まっています。毎年配布する「ごみの出し方カレンダー」か、"
        "市のごみ分別アプリで確認できます。年末年始は収集日が変わります。",
        "収集日\nごみカレンダー\n分別",
        "ごみ減量推進課",
        (
            "life_event:kurashi",
            "department:gomi",
            "district:taira",
            "district:onahama",
            "district:nakoso",
        ),
        ("IW-0016", "IW-0018"),
    ),
    DemoFaq(
        "IW-0018",
        "スプレー缶やライターはどう捨てればよいですか。",
        "中身を使い切り、穴を開けずに「有害ごみ」の日に透明な袋に入れて出してください。"
        "ライターはガスを抜いてから出してください。",
        "スプレー缶\nライター\n有害ごみ",
        "ごみ減量推進課",
        ("life_event:kurashi", "department:gomi"),
        ("IW-0017",),
    ),
    DemoFaq(
        "IW-0019",
        "パソコンは市で回収していますか。",
        "パソコンは市では収集しません。メーカーの回収窓口に申し込むか、市役所などに設置した"
        "小型家電回収ボックスをご利用ください（投入口に入る大きさのものに限ります）。",
        "パソコン\nPC\n小型家電",
        "ごみ減量推進課",
        ("life_event:kurashi", "department:gomi"),
    ),
    DemoFaq(
        "IW-0020",
        "国民健康保険に加入するにはどうすればよいですか。",
        "会社の健康保険をやめたときや転入したときは、14日以内に保険年金課または支所で加入の届け出をしてください。"
        "健康保険の資格喪失証明書などやめた日が分かる書類と、マイナンバーが分かるものをお持ちください。",
        "国保\n国民健康保険\n加入",
        "保険年金課",
        ("life_event:kenko", "life_event:hikkoshi", "department:hoken-nenkin"),
        ("IW-0021",),
        translations={
            "en": (
                "How do I join National Health Insurance?",
                "When you leave your employer's health insurance or move in, notify the "
                "Insurance and Pension Division or a branch office within 14 days. Bring a "
                "document showing the date you left your previous insurance and your My Number.",
            ),
        },
    ),
    DemoFaq(
        "IW-0021",
        "就職して会社の保険に入りました。国民健康保険はどうなりますか。",
        "国民健康保険をやめる届け出が必要です。会社の保険の資格確認書などを持って、"
        "14日以内に保険年金課または支所で手続きしてください。届け出がないと保険税がかかり続けます。",
        "国保\n脱退\n社会保険",
        "保険年金課",
        ("life_event:kenko", "department:hoken-nenkin"),
        ("IW-0020",),
    ),
    DemoFaq(
        "IW-0022",
        "児童手当の申請はどこでしますか。",
        "こども家庭課または支所で申請してください。出生や転入の翌日から15日以内に申請すると、"
        "その翌月分から支給されます。受給者名義の口座が分かるものをお持ちください。",
        "児童手当\n子ども手当",
        "こども家庭課",
        ("life_event:kosodate", "life_event:shussan", "department:kodomo"),
        ("IW-0012",),
    ),
    DemoFaq(
        "IW-0023",
        "子どもの医療費の助成はありますか。",
        "18歳到達後最初の3月31日までのお子さんの保険診療の自己負担分を助成しています。"
        "出生や転入のときに申請すると受給者証を交付します。県内の医療機関では受給者証を提示してください。",
        "子ども医療費\n医療費助成\n受給者証",
        "こども家庭課",
        ("life_event:kosodate", "department:kodomo"),
        ("IW-0022",),
    ),
    DemoFaq(
        "IW-0024",
        "ひとり親家庭の支援について知りたいです。",
        "児童扶養手当、ひとり親家庭医療費助成、就業支援などがあります。"
        "こども家庭課の相談窓口で、状況に合わせてご案内します。",
        "ひとり親\n児童扶養手当",
        "こども家庭課",
        ("life_event:kosodate", "life_event:kekkon", "department:kodomo"),
    ),
    DemoFaq(
        "IW-0025",
        "保育所の入所申し込みはいつからですか。",
        "4月入所の一次募集は前年の10月から11月に受け付けます。年度途中の入所は、入所希望月の"
        "前月10日までに申し込んでください。空き状況は毎月ホームページでお知らせします。",
        "保育園\n保育所\n入所",
        "こども家庭課",
        ("life_event:kosodate", "department:kodomo"),
    ),
    DemoFaq(
        "IW-0026",
        "市県民税の納付書をなくしました。",
        "市民税課または支所で再発行します。電話でお申し込みいただければ郵送もできます。"
        "スマートフォン決済アプリで納付する場合も納付書のバーコードが必要です。",
        "住民税\n納付書\n再発行",
        "市民税課",
        ("life_event:zeikin", "department:shiminzei"),
        ("IW-0027",),
    ),
    DemoFaq(
        "IW-0027",
        "市県民税はどのように納めればよいですか。",
        "給与から差し引かれる方以外は、納付書で金融機関・コンビニ・スマートフォン決済アプリから納めるか、"
        "口座振替をご利用ください。口座振替は金融機関の窓口で申し込めます。",
        "住民税\n口座振替\n納付",
        "市民税課",
        ("life_event:zeikin", "department:shiminzei"),
        ("IW-0026",),
    ),
    DemoFaq(
        "IW-0028",
        "所得証明書（課税証明書）を取りたいです。",
        "市民税課・支所の窓口またはコンビニ交付で取得できます。その年の1月1日に市内に住所があった方が対象です。"
        "手数料は1通300円です。",
        "所得証明\n課税証明\n非課税証明",
        "市民税課",
        ("life_event:zeikin", "keyword:shomeisho", "keyword:conbini", "department:shiminzei"),
        ("IW-0002",),
    ),
    DemoFaq(
        "IW-0029",
        "軽自動車を廃車にしました。税金はどうなりますか。",
        "軽自動車税は4月1日時点の所有者に1年分かかります。4月2日以降に廃車しても、その年度分は月割で"
        "戻りません。廃車の手続きは軽自動車検査協会（四輪）または市民税課（原付など）で行います。",
        "軽自動車税\n廃車\n原付",
        "市民税課",
        ("life_event:zeikin", "department:shiminzei"),
    ),
    DemoFaq(
        "IW-0030",
        "マイナンバーカードの暗証番号を忘れました。",
        "本人がマイナンバーカードと本人確認書類を持って市民課または支所に来てください。暗証番号を再設定します。"
        "署名用電子証明書の暗証番号は、コンビニでスマートフォンを使って再設定することもできます。",
        "暗証番号\nパスワード\nロック",
        "市民課",
        ("keyword:mynumber", "department:shimin"),
        ("IW-0031",),
        translations={
            "en": (
                "I forgot the PIN of my My Number Card.",
                "Come to the Citizens Division or a branch office in person with the card and "
                "photo ID, and we will reset the PIN. The signature certificate password can "
                "also be reset at a convenience store using a smartphone.",
            ),
        },
    ),
    DemoFaq(
        "IW-0031",
        "マイナンバーカードの申請方法を教えてください。",
        "交付申請書のQRコードからスマートフォンで、またはパソコン・郵送・まちなかの証明写真機で申請できます。"
        "申請から約1か月で交付通知書が届きますので、受け取りの予約をしてください。",
        "マイナンバーカード\n申請\n個人番号カード",
        "市民課",
        ("keyword:mynumber", "keyword:online", "department:shimin"),
        ("IW-0030", "IW-0032"),
    ),
    DemoFaq(
        "IW-0032",
        "マイナンバーカードの有効期限はいつまでですか。",
        "18歳以上の方はカードの発行から10回目の誕生日まで、18歳未満の方は5回目の誕生日までです。"
        "電子証明書は年齢にかかわらず5回目の誕生日までで、期限の2〜3か月前に通知書をお送りします。",
        "有効期限\n更新\n電子証明書",
        "市民課",
        ("keyword:mynumber", "department:shimin"),
        ("IW-0031",),
    ),
    DemoFaq(
        "IW-0033",
        "市役所の開庁時間を教えてください。",
        "平日の8時30分から17時15分までです。土曜日・日曜日・祝日と12月29日から1月3日までは閉庁します。"
        "一部の窓口は毎週水曜日に19時まで延長しています。",
        "開庁時間\n受付時間\n何時まで",
        "",
        ("district:zenshi",),
        translations={
            "en": (
                "What are City Hall's opening hours?",
                "Weekdays 8:30 a.m.–5:15 p.m. Closed on Saturdays, Sundays, public holidays and "
                "from December 29 to January 3. Some counters stay open until 7 p.m. on Wednesdays.",
            ),
            "zh-hans": (
                "市政府的办公时间是什么时候？",
                "工作日8:30至17:15。星期六、星期日、节假日以及12月29日至1月3日休息。"
                "部分窗口每周三延长至19:00。",
            ),
            "ko": (
                "시청 업무 시간을 알려 주십시오.",
                "평일 8시 30분부터 17시 15분까지입니다. 토요일・일요일・공휴일과 12월 29일부터 "
                "1월 3일까지는 휴무입니다. 일부 창구는 매주 수요일 19시까지 연장 운영합니다.",
            ),
        },
    ),
    DemoFaq(
        "IW-0034",
        "小名浜支所の場所と電話番号を教えてください。",
        "小名浜支所は小名浜地区の市民会館に併設しています。電話番号は0246-54-2112です。"
        "住民票や印鑑証明などの証明書、各種届出を受け付けています。",
        "小名浜支所\n支所",
        "小名浜支所 市民課",
        ("district:onahama",),
    ),
    DemoFaq(
        "IW-0035",
        "市役所の駐車場は無料ですか。",
        "来庁者は窓口で駐車券に認証を受けると2時間まで無料です。混雑する月末・月初や3月・4月は"
        "公共交通機関のご利用をおすすめします。",
        "駐車場\n駐車券",
        "",
        ("district:taira",),
    ),
    DemoFaq(
        "IW-0036",
        "犬を飼い始めました。登録は必要ですか。",
        "生後91日以上の犬は、飼い始めてから30日以内に登録が必要です。あわせて毎年1回狂犬病の予防注射を受けてください。"
        "登録は保健所のほか、市内の協力動物病院でもできます。",
        "犬の登録\n狂犬病\nペット",
        "",
        ("life_event:kurashi",),
        translations={
            "en": (
                "I got a dog. Do I need to register it?",
                "Dogs 91 days or older must be registered within 30 days. They also need a "
                "rabies vaccination once a year. Register at the public health center or at a "
                "cooperating veterinary clinic.",
            ),
        },
    ),
    DemoFaq(
        "IW-0037",
        "国民年金の保険料を払うのが難しいです。",
        "所得が少ないなどで納付が難しいときは、保険料の免除・納付猶予を申請できます。"
        "学生の方は学生納付特例制度があります。保険年金課または年金事務所にご相談ください。",
        "年金\n免除\n学生納付特例",
        "保険年金課",
        ("life_event:kenko", "department:hoken-nenkin"),
    ),
    DemoFaq(
        "IW-0038",
        "後期高齢者医療の保険証について知りたいです。",
        "75歳の誕生日から後期高齢者医療制度の対象になります。誕生月の前月に資格確認書をお送りしますので、"
        "申請の必要はありません。",
        "後期高齢者医療\n75歳\n資格確認書",
        "保険年金課",
        ("life_event:kenko", "department:hoken-nenkin"),
    ),
    DemoFaq(
        "IW-0039",
        "特定健診はいつ受けられますか。",
        "40歳から74歳の国民健康保険加入者は、毎年6月から翌年1月まで指定の医療機関で受診できます。"
        "5月末に受診券をお送りします。自己負担は500円です。",
        "特定健診\n健康診断\n受診券",
        "保険年金課",
        ("life_event:kenko", "department:hoken-nenkin"),
    ),
    DemoFaq(
        "IW-0040",
        "市に意見や要望を伝えたいです。",
        "市民の声の窓口で、電話・メール・手紙・ホームページの専用フォームにより受け付けています。"
        "いただいたご意見は担当課に伝え、必要に応じて回答します。",
        "意見\n要望\n市民の声",
        "広報広聴課",
        ("district:zenshi",),
        links=((f"{_CITY}/koe.html", "市民の声フォーム"),),
    ),
    DemoFaq(
        "IW-0041",
        "台風や大雨のときの避難所はどこですか。",
        "避難所は市の防災マップと防災アプリで確認できます。開設する避難所は状況により異なるため、"
        "防災メールや市のホームページで最新の情報を確認してください。",
        "避難所\n防災\n台風",
        "",
        ("district:zenshi", "district:taira", "district:onahama", "district:nakoso"),
    ),
    DemoFaq(
        "IW-0042",
        "勿来地区の市民サービスコーナーでは何ができますか。",
        "住民票の写し、印鑑登録証明書、戸籍証明書の交付を行っています。"
        "転入・転出などの届け出は勿来支所で受け付けます。",
        "勿来\nサービスコーナー",
        "",
        ("district:nakoso", "keyword:shomeisho"),
    ),
    DemoFaq(
        "IW-0043",
        "オンラインでできる手続きを知りたいです。",
        "転出届、児童手当の申請、粗大ごみの申し込み、各種証明書の郵送請求などはオンラインで手続きできます。"
        "マイナンバーカードが必要な手続きもあります。",
        "オンライン申請\n電子申請\nスマホ",
        "",
        ("keyword:online", "district:zenshi"),
        ("IW-0004", "IW-0016"),
    ),
    DemoFaq(
        "IW-0044",
        "【内部】転入届の受付で本人確認書類が1点しかない場合の案内",
        "顔写真付きの書類が1点あれば受け付けます。顔写真なしの書類のみの場合は2点必要です。"
        "判断に迷う場合は市民課の連絡窓口（内線2301）に確認してから案内してください。",
        "本人確認\n内部",
        "市民課",
        ("department:shimin",),
        internal=True,
    ),
    DemoFaq(
        "IW-0045",
        "【内部】粗大ごみの収集日の変更依頼を受けたとき",
        "収集日前々日の17時までなら粗大ごみ受付センターで変更できます。それ以降はごみ減量推進課"
        "（内線2621）に取り次いでください。",
        "粗大ごみ\n変更\n内部",
        "ごみ減量推進課",
        ("department:gomi",),
        internal=True,
    ),
]

NIIGATA_CATEGORIES: list[CategorySpec] = [
    ("keyword", "yoyaku", "予約", "Booking", "预约", "예약"),
    ("keyword", "sesshuken", "接種券", "Vaccination voucher", "接种券", "접종권"),
    ("keyword", "fukuhanno", "副反応", "Side effects", "副作用", "부작용"),
]
NIIGATA_FAQS: list[DemoFaq] = [
    DemoFaq(
        "NG-001",
        "集団接種の予約はどうすればよいですか。",
        "コールセンターへの電話か、予約サイトから申し込んでください。接種券に記載の券番号と生年月日が必要です。",
        "予約\n集団接種",
        categories=("keyword:yoyaku",),
        translations={
            "en": (
                "How do I book a group vaccination?",
                "Call this center or use the booking website. You need the voucher number on "
                "your vaccination voucher and your date of birth.",
            ),
            "zh-hans": (
                "集体接种如何预约？",
                "请拨打本中心电话或通过预约网站申请。需要接种券上的券号和出生日期。",
            ),
            "ko": (
                "집단접종 예약은 어떻게 합니까?",
                "콜센터에 전화하거나 예약 사이트에서 신청해 주십시오. 접종권에 기재된 번호와 생년월일이 필요합니다.",
            ),
        },
    ),
    DemoFaq(
        "NG-002",
        "予約を変更・キャンセルしたいです。",
        "接種日の前日17時までに、予約サイトかコールセンターで変更またはキャンセルしてください。",
        "キャンセル\n予約変更",
        categories=("keyword:yoyaku",),
    ),
    DemoFaq(
        "NG-003",
        "接種券をなくしました。",
        "再発行します。コールセンターにお電話いただくか、市のホームページの申請フォームから申し込んでください。"
        "お届けまで1週間程度かかります。",
        "接種券\nクーポン券\n再発行",
        categories=("keyword:sesshuken",),
    ),
    DemoFaq(
        "NG-004",
        "接種当日に持っていくものは何ですか。",
        "接種券、記入済みの予診票、本人確認書類をお持ちください。肩を出しやすい服装でお越しください。",
        "持ち物\n予診票",
        categories=("keyword:yoyaku",),
    ),
    DemoFaq(
        "NG-005",
        "接種後に熱が出ました。",
        "発熱や接種部位の痛みは数日で治まることが多いです。症状が続く場合や強い症状がある場合は、"
        "かかりつけ医か専門相談窓口にご相談ください。",
        "副反応\n発熱",
        categories=("keyword:fukuhanno",),
        translations={
            "en": (
                "I have a fever after the vaccination.",
                "Fever and pain at the injection site usually settle within a few days. If "
                "symptoms continue or are severe, consult your doctor or the specialist helpline.",
            ),
        },
    ),
]

OITA_CATEGORIES: list[CategorySpec] = [
    ("keyword", "shinsei", "申請", "Application", "申请", "신청"),
    ("keyword", "kofu", "交付・受け取り", "Issuance and pickup", "领取", "교부・수령"),
    ("district", "shisho", "支所", "Branch offices", "支所", "지소"),
]
OITA_FAQS: list[DemoFaq] = [
    DemoFaq(
        "OT-001",
        "マイナンバーカードの受け取りに予約は必要ですか。",
        "必要です。交付通知書が届いたら、コールセンターか予約サイトで受け取り日時を予約してください。",
        "受け取り\n交付\n予約",
        "市民課（本庁）",
        ("keyword:kofu",),
        translations={
            "en": (
                "Do I need a reservation to pick up my My Number Card?",
                "Yes. When the notice arrives, book a pickup date and time by phone or on the "
                "booking website.",
            ),
            "zh-hans": (
                "领取个人编号卡需要预约吗？",
                "需要。收到领取通知书后，请通过电话或预约网站预约领取日期和时间。",
            ),
            "ko": (
                "마이넘버카드 수령에 예약이 필요합니까?",
                "필요합니다. 교부통지서가 도착하면 콜센터나 예약 사이트에서 수령 일시를 예약해 주십시오.",
            ),
        },
    ),
    DemoFaq(
        "OT-002",
        "受け取りのときに持っていくものは何ですか。",
        "交付通知書、本人確認書類、通知カード（お持ちの方）、住民基本台帳カード（お持ちの方）をお持ちください。",
        "持ち物\n交付通知書",
        "市民課（本庁）",
        ("keyword:kofu",),
    ),
    DemoFaq(
        "OT-003",
        "支所でもマイナンバーカードを受け取れますか。",
        "稙田・鶴崎・大在・明野の各支所でも受け取れます。予約の際に受け取り場所を選んでください。",
        "支所\n受け取り場所",
        "",
        ("district:shisho", "keyword:kofu"),
    ),
    DemoFaq(
        "OT-004",
        "申請用の写真の条件を教えてください。",
        "6か月以内に撮影した、正面・無帽・無背景の縦4.5cm×横3.5cmの写真です。スマートフォンで撮影した写真も使えます。",
        "写真\n申請",
        "市民課（本庁）",
        ("keyword:shinsei",),
    ),
    DemoFaq(
        "OT-005",
        "本人が来られない場合、代理人が受け取れますか。",
        "病気や障害などでやむを得ず来られない場合に限り、代理人が受け取れます。"
        "交付通知書の委任欄の記入と、本人と代理人の本人確認書類が必要です。",
        "代理人\n委任",
        "市民課（本庁）",
        ("keyword:kofu",),
    ),
    DemoFaq(
        "OT-006",
        "申請してからどのくらいで届きますか。",
        "申請から交付通知書の発送まで1か月程度かかります。混雑状況により前後します。",
        "期間\n何日",
        "市民課（本庁）",
        ("keyword:shinsei",),
    ),
]

SAPPORO_CATEGORIES: list[CategorySpec] = [
    ("keyword", "kaitou", "回答方法", "How to answer", "回答方法", "응답 방법"),
]
SAPPORO_FAQS: list[DemoFaq] = [
    DemoFaq(
        "SP-001",
        "アンケートが届きましたが、回答は必要ですか。",
        "回答は任意ですが、今後の高齢者施策の参考にするため、ご協力をお願いしています。",
        "任意\nアンケート",
        categories=("keyword:kaitou",),
    ),
    DemoFaq(
        "SP-002",
        "インターネットで回答できますか。",
        "できます。調査票に記載のURLまたは二次元コードから、記載のIDで回答してください。",
        "インターネット回答\nWeb回答",
        categories=("keyword:kaitou",),
    ),
    DemoFaq(
        "SP-003",
        "回答の締め切りはいつですか。",
        "調査票に記載の締め切り日までに、返信用封筒で投函するかインターネットで回答してください。",
        "締め切り\n期限",
        categories=("keyword:kaitou",),
    ),
    DemoFaq(
        "SP-004",
        "調査票をなくしました。",
        "コールセンターにお電話いただければ、再送します。お名前とご住所を確認させていただきます。",
        "再送\n紛失",
        categories=("keyword:kaitou",),
    ),
]

DEMO: dict[str, tuple[list[CategorySpec], list[DemoFaq], list[tuple[str, list[str]]]]] = {
    "iwaki": (
        IWAKI_CATEGORIES,
        IWAKI_FAQS,
        [
            ("ワンちゃん", ["犬"]),
            ("子ども手当", ["児童手当"]),
            ("年金手帳", ["基礎年金番号通知書"]),
            ("住民税", ["市県民税"]),
            ("役所", ["市役所"]),
        ],
    ),
    "niigata": (
        NIIGATA_CATEGORIES,
        NIIGATA_FAQS,
        [("コロナワクチン", ["新型コロナワクチン"]), ("接種券", ["クーポン券"])],
    ),
    "oita": (
        OITA_CATEGORIES,
        OITA_FAQS,
        [("マイナ", ["マイナンバーカード"]), ("暗証番号", ["パスワード"])],
    ),
    "sapporo": (SAPPORO_CATEGORIES, SAPPORO_FAQS, [("調査票", ["アンケート"])]),
}


def _categories(center: Center, specs: list[CategorySpec]) -> dict[str, Category]:
    existing = {f"{c.axis}:{c.slug}": c for c in Category.objects.filter(center=center)}
    for order, (axis, slug, ja, en, zh, ko) in enumerate(specs):
        key = f"{axis}:{slug}"
        if key not in existing:
            existing[key] = services.category_create(
                actor=None,
                center=center,
                axis=axis,
                slug=slug,
                name=ja,
                names={"en": en, "zh-hans": zh, "ko": ko},
                order=order,
            )
    return existing


@transaction.atomic
def knowledge_demo_load(*, center: Center) -> int:
    """Load the demo FAQs of ``center``'s scenario; returns how many FAQs were created."""
    if center.slug not in DEMO:
        return 0
    category_specs, faqs, synonyms = DEMO[center.slug]
    categories = _categories(center, category_specs)
    for term, alternatives in synonyms:
        if not Synonym.objects.filter(center=center, term=term).exists():
            services.synonym_add(actor=None, center=center, term=term, alternatives=alternatives)
    departments = {d.name: d for d in center.departments.all()}
    created: list[tuple[Faq, DemoFaq]] = []
    for spec in faqs:
        if Faq.objects.filter(center=center, code=spec.code).exists():
            continue
        texts = {"ja": TextInput(spec.question, spec.answer, spec.keywords)}
        for lang, (question, answer) in spec.translations.items():
            texts[lang] = TextInput(question, answer)
        faq = services.faq_create(
            actor=None,
            center=center,
            code=spec.code,
            content=FaqContent(
                texts=texts,
                department=departments.get(spec.department),
                categories=[categories[c] for c in spec.categories],
                links=list(spec.links),
                is_public=not spec.internal,
            ),
            comment="デモデータ",
        )
        created.append((faq, spec))
    codes = {f.code: f for f in Faq.objects.filter(center=center)}
    for faq, spec in created:
        if spec.related:
            faq.related.set([codes[c] for c in spec.related if c in codes])
            services.faq_update(
                actor=None,
                faq=faq,
                content=_content_of(faq),
                comment="デモデータ（関連FAQ）",
            )
        services.faq_submit(actor=None, faq=faq, comment="デモデータ")
        services.faq_approve(actor=None, faq=faq, comment="デモデータ")
        services.faq_publish(actor=None, faq=faq)
    return len(created)


def _content_of(faq: Faq) -> FaqContent:
    """The FAQ's current content (so a follow-up save records its related FAQs)."""
    return FaqContent(
        texts={t.language: TextInput(t.question, t.answer, t.keywords) for t in faq.texts.all()},
        department=faq.department,
        categories=list(faq.categories.all()),
        related=list(faq.related.all()),
        links=[(link.url, link.title) for link in faq.links.all()],
        is_public=faq.is_public,
        publish_start=faq.publish_start,
        publish_end=faq.publish_end,
        review_due=faq.review_due,
    )
