"""Overseas organisations (海外团体) and 海智 sites (bases, stations) for the demo data. All fictional."""

from __future__ import annotations

from matcher.domain.records import Organization, Site, SiteKind

# zh name | en name | country | city | kind
_ORGS = """
全美华人材料学会|Chinese-American Materials Society|US|Boston|association
旅美中国科学家工程师专业人士协会|Society of Chinese-American Scientists and Engineers|US|New York|association
硅谷华人半导体协会|Silicon Valley Chinese Semiconductor Association|US|San Jose|association
北美华人生物医药协会|North American Chinese Biopharma Association|US|San Diego|association
美中人工智能学者联合会|US-China AI Scholars Federation|US|Seattle|association
全美华人能源学会|Chinese-American Energy Society|US|Houston|association
海智计划硅谷工作站|Haizhi Silicon Valley Station|US|Palo Alto|overseas_station
全英华人学者联合会|Federation of Chinese Scholars in the UK|GB|London|association
英国华人科学家与工程师协会|UK Chinese Scientists and Engineers Association|GB|Manchester|association
英中生命科学协会|UK-China Life Sciences Society|GB|Cambridge|association
海智计划伦敦工作站|Haizhi London Station|GB|London|overseas_station
旅德华人工程师协会|Association of Chinese Engineers in Germany|DE|Munich|association
德国华人汽车工程师协会|Chinese Automotive Engineers in Germany|DE|Stuttgart|association
旅德华人化学化工学会|Chinese Chemists and Chemical Engineers in Germany|DE|Frankfurt|association
海智计划慕尼黑工作站|Haizhi Munich Station|DE|Munich|overseas_station
旅法华人科技协会|Association of Chinese Scientists in France|FR|Paris|association
法中生物医学协会|France-China Biomedical Association|FR|Lyon|association
日本华人教授会议|Japan Chinese Professors Association|JP|Tokyo|association
在日中国科学技术者联盟|Union of Chinese Scientists and Engineers in Japan|JP|Tokyo|association
海智计划东京工作站|Haizhi Tokyo Station|JP|Tokyo|overseas_station
在韩中国学者协会|Chinese Scholars Association in Korea|KR|Seoul|association
加拿大华人专业人士协会|Chinese Professionals Association of Canada|CA|Toronto|association
加拿大中国工程师协会|Canada-China Engineers Society|CA|Vancouver|association
澳大利亚华人科技协会|Australian Chinese Science and Technology Society|AU|Sydney|association
澳洲华人生命科学家协会|Chinese Life Scientists in Australia|AU|Melbourne|association
新加坡华人科技协会|Singapore Chinese Scientists Society|SG|Singapore|association
海智计划新加坡工作站|Haizhi Singapore Station|SG|Singapore|overseas_station
荷兰华人学者工程师协会|Chinese Scholars and Engineers in the Netherlands|NL|Eindhoven|association
瑞士华人学者协会|Swiss Chinese Scholars Association|CH|Zurich|association
瑞典华人科学家协会|Chinese Scientists in Sweden|SE|Stockholm|association
意大利华人学者协会|Association of Chinese Scholars in Italy|IT|Milan|association
以色列中国学者联谊会|Chinese Scholars Fellowship in Israel|IL|Haifa|association
比利时华人科学家协会|Belgian Chinese Scientists Association|BE|Leuven|association
丹麦华人学者协会|Danish Chinese Scholars Association|DK|Copenhagen|association
芬兰华人科技协会|Finland Chinese Science and Technology Society|FI|Helsinki|association
奥地利华人学者协会|Austrian Chinese Scholars Association|AT|Vienna|association
西班牙华人科技协会|Chinese Science Society in Spain|ES|Madrid|association
爱尔兰华人学者协会|Irish Chinese Scholars Association|IE|Dublin|association
俄罗斯华人科技协会|Chinese Scientists Association in Russia|RU|Moscow|association
香港创新科技专业人士协会|Hong Kong Innovation & Technology Professionals Association|HK|Hong Kong|association
香港海智工作站|Haizhi Hong Kong Station|HK|Hong Kong|overseas_station
台湾科技交流协会|Taiwan Science and Technology Exchange Association|TW|Taipei|association
澳门科技专业人员协会|Macao Science and Technology Professionals Association|MO|Macao|association
全球华人航空航天协会|Global Chinese Aerospace Association|US|Los Angeles|association
"""


def build_organizations() -> list[Organization]:
    """Return the fixed list of overseas organisations (ids ``ORG001`` …)."""
    organizations = []
    for number, line in enumerate(_ORGS.strip().splitlines(), start=1):
        name, name_en, country, city, kind = line.split("|")
        slug = "".join(ch for ch in name_en.lower() if ch.isalnum())[:24]
        organizations.append(
            Organization(
                id=f"ORG{number:03d}",
                name=name,
                name_en=name_en,
                country=country,
                city=city,
                kind=kind,
                website=f"https://{slug}.example.org",
                email=f"contact@{slug}.example.org",
                description=f"{name}（{name_en}）是在{city}的海外华人科技团体，联系海外专家并对接国内创新需求。",
            )
        )
    return organizations


# id | name | name_en | kind | province | city | contact language
_BASES = """
B-GZ|广州海智基地|Guangzhou Haizhi Base|base|广东省|广州市|zh
B-SZ|深圳离岸创新创业基地|Shenzhen Offshore Innovation & Entrepreneurship Base|offshore_base|广东省|深圳市|en
B-FS|佛山海智基地|Foshan Haizhi Base|base|广东省|佛山市|zh
B-DG|东莞海智基地|Dongguan Haizhi Base|base|广东省|东莞市|zh
B-ZH|珠海海智基地|Zhuhai Haizhi Base|base|广东省|珠海市|zh
B-CQ|重庆海智基地|Chongqing Haizhi Base|base|重庆市|重庆市|zh
B-CQLJ|重庆两江新区离岸创新基地|Chongqing Liangjiang Offshore Innovation Base|offshore_base|重庆市|重庆市|zh
"""

# station host | base id | city district (stations are hosted by an enterprise, park or university)
_STATIONS = """
广州瑞达新材料科技有限公司|B-GZ|广州市黄埔区
广州国际生物岛创新园|B-GZ|广州市黄埔区
华南理工大学科技园|B-GZ|广州市天河区
广州智源汽车电子有限公司|B-GZ|广州市番禺区
广州南沙智能制造产业园|B-GZ|广州市南沙区
广州海纳环保科技有限公司|B-GZ|广州市增城区
深圳华创微电子有限公司|B-SZ|深圳市南山区
深圳湾科技生态园|B-SZ|深圳市南山区
深圳星辰智能科技有限公司|B-SZ|深圳市宝安区
深圳坪山生物医药产业园|B-SZ|深圳市坪山区
深圳安泰医疗器械有限公司|B-SZ|深圳市龙岗区
深圳光明科学城创新中心|B-SZ|深圳市光明区
佛山博远智能装备有限公司|B-FS|佛山市顺德区
佛山南海新材料产业园|B-FS|佛山市南海区
佛山恒信陶瓷科技有限公司|B-FS|佛山市禅城区
佛山季华实验室创新平台|B-FS|佛山市南海区
东莞松山湖高新区|B-DG|东莞市松山湖
东莞汇能新能源科技有限公司|B-DG|东莞市
东莞理工学院产学研基地|B-DG|东莞市
东莞鼎盛精密模具有限公司|B-DG|东莞市长安镇
珠海天成航空科技有限公司|B-ZH|珠海市金湾区
珠海高新区软件园|B-ZH|珠海市香洲区
珠海横琴粤澳深度合作区创新中心|B-ZH|珠海市横琴
中山翠亨新区科创园|B-GZ|中山市
惠州仲恺高新区|B-SZ|惠州市仲恺区
江门德润精细化工有限公司|B-FS|江门市
湛江海洋经济产业园|B-GZ|湛江市
重庆两江新区汽车产业园|B-CQLJ|重庆市渝北区
重庆冠达汽车零部件有限公司|B-CQ|重庆市江津区
重庆大学科技园|B-CQ|重庆市沙坪坝区
重庆西永微电子产业园|B-CQ|重庆市沙坪坝区
重庆金凤实验室创新平台|B-CQ|重庆市高新区
重庆联合农业科技有限公司|B-CQ|重庆市永川区
重庆领航智能装备有限公司|B-CQLJ|重庆市两江新区
重庆云帆数字科技有限公司|B-CQLJ|重庆市江北区
重庆长寿经开区化工园|B-CQ|重庆市长寿区
"""

# overseas station name | base id | country | city | host organisation name
_OVERSEAS_STATIONS = """
海智计划硅谷工作站|B-SZ|US|Palo Alto|硅谷华人半导体协会
海智计划慕尼黑工作站|B-FS|DE|Munich|旅德华人工程师协会
海智计划伦敦工作站|B-GZ|GB|London|全英华人学者联合会
海智计划东京工作站|B-CQ|JP|Tokyo|日本华人教授会议
海智计划新加坡工作站|B-SZ|SG|Singapore|新加坡华人科技协会
"""


def _province(city: str) -> str:
    return "重庆市" if city.startswith("重庆") else "广东省"


def build_sites() -> list[Site]:
    """Return bases, domestic stations (``ST001`` …) and overseas stations (``OS01`` …)."""
    sites: list[Site] = []
    base_slug: dict[str, str] = {}
    for line in _BASES.strip().splitlines():
        site_id, name, name_en, kind, province, city, language = line.split("|")
        slug = site_id.split("-")[1].lower()
        base_slug[site_id] = slug
        sites.append(
            Site(
                id=site_id,
                name=name,
                name_en=name_en,
                kind=SiteKind(kind),
                province=province,
                city=city,
                host=f"{city}科学技术协会",
                contact_language=language,
                contact_emails=[f"haizhi@{slug}-kx.example.cn", f"office@{slug}-kx.example.cn"],
            )
        )
    for number, line in enumerate(_STATIONS.strip().splitlines(), start=1):
        host, base_id, district = line.split("|")
        city = district[: district.index("市") + 1]
        sites.append(
            Site(
                id=f"ST{number:03d}",
                name=f"{host}海智工作站",
                kind=SiteKind.STATION,
                parent_id=base_id,
                province=_province(city),
                city=district,
                host=host,
                contact_emails=[f"st{number:03d}@{base_slug[base_id]}-haizhi.example.cn"],
                active=number % 17 != 0,
            )
        )
    for number, line in enumerate(_OVERSEAS_STATIONS.strip().splitlines(), start=1):
        name, base_id, _country, city, host = line.split("|")
        sites.append(
            Site(
                id=f"OS{number:02d}",
                name=name,
                name_en=f"Haizhi {city} Station",
                kind=SiteKind.OVERSEAS_STATION,
                parent_id=base_id,
                province=None,
                city=city,
                host=host,
                contact_emails=[f"os{number:02d}@haizhi-overseas.example.org"],
                contact_language="en",
            )
        )
    return sites
