"""Name, title and affiliation banks for the synthetic demo people (all fictional combinations)."""

from __future__ import annotations

from dataclasses import dataclass


def _pairs(spec: str) -> tuple[tuple[str, str], ...]:
    """Parse ``"张 Zhang, 王 Wang"`` into (hanzi, pinyin) pairs."""
    out = []
    for item in spec.split(","):
        hanzi, roman = item.split()
        out.append((hanzi, roman))
    return tuple(out)


SURNAMES: tuple[tuple[str, str], ...] = _pairs(
    "张 Zhang, 王 Wang, 李 Li, 刘 Liu, 陈 Chen, 杨 Yang, 黄 Huang, 赵 Zhao, 吴 Wu, 周 Zhou, 徐 Xu, 孙 Sun,"
    " 马 Ma, 朱 Zhu, 胡 Hu, 郭 Guo, 何 He, 林 Lin, 罗 Luo, 高 Gao, 郑 Zheng, 梁 Liang, 谢 Xie, 宋 Song,"
    " 唐 Tang, 许 Xu, 韩 Han, 冯 Feng, 邓 Deng, 曹 Cao, 彭 Peng, 曾 Zeng, 萧 Xiao, 田 Tian, 董 Dong, 潘 Pan,"
    " 袁 Yuan, 蔡 Cai, 蒋 Jiang, 余 Yu, 杜 Du, 叶 Ye, 程 Cheng, 魏 Wei, 苏 Su, 吕 Lyu, 丁 Ding, 任 Ren,"
    " 卢 Lu, 姚 Yao, 沈 Shen, 钟 Zhong, 姜 Jiang, 崔 Cui, 谭 Tan, 陆 Lu, 范 Fan, 汪 Wang, 廖 Liao, 石 Shi,"
    " 金 Jin, 韦 Wei, 贾 Jia, 夏 Xia, 方 Fang, 欧阳 Ouyang, 司马 Sima"
)

GIVEN_NAMES: tuple[tuple[str, str], ...] = _pairs(
    "伟 Wei, 芳 Fang, 敏 Min, 静 Jing, 磊 Lei, 军 Jun, 洋 Yang, 勇 Yong, 艳 Yan, 杰 Jie, 涛 Tao, 明 Ming,"
    " 超 Chao, 华 Hua, 晨 Chen, 凯 Kai, 宇 Yu, 鹏 Peng, 浩 Hao, 婷 Ting, 晓明 Xiaoming, 志强 Zhiqiang,"
    " 建华 Jianhua, 海燕 Haiyan, 文博 Wenbo, 子涵 Zihan, 嘉怡 Jiayi, 俊杰 Junjie, 思远 Siyuan, 雨萱 Yuxuan,"
    " 国栋 Guodong, 立新 Lixin, 振宇 Zhenyu, 梦琪 Mengqi, 天翔 Tianxiang, 学军 Xuejun, 丽娟 Lijuan,"
    " 红梅 Hongmei, 永刚 Yonggang, 晓峰 Xiaofeng, 佳琪 Jiaqi, 一鸣 Yiming, 浩然 Haoran, 欣怡 Xinyi,"
    " 泽宇 Zeyu, 秀英 Xiuying, 文静 Wenjing, 宏伟 Hongwei, 春生 Chunsheng, 德明 Deming, 光辉 Guanghui,"
    " 慧敏 Huimin, 志远 Zhiyuan, 家豪 Jiahao, 雅婷 Yating, 冠宇 Guanyu, 美玲 Meiling, 世杰 Shijie,"
    " 翠华 Cuihua, 建国 Jianguo, 少华 Shaohua, 耀文 Yaowen, 嘉欣 Jiaxin, 启明 Qiming, 若曦 Ruoxi"
)

# English given names used by overseas Chinese scientists ("Michael Chen").
CHINESE_ORIGIN_FIRST_NAMES: tuple[str, ...] = (
    "Michael",
    "David",
    "Kevin",
    "Jennifer",
    "Grace",
    "Eric",
    "Jason",
    "Amy",
    "Tony",
    "Vivian",
    "Henry",
    "Lily",
    "Frank",
    "Helen",
    "Peter",
    "Annie",
    "Steven",
    "Cindy",
    "Andrew",
    "Sophia",
    "Raymond",
    "Irene",
)

# Local names per country for experts without a Chinese background.
LOCAL_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "US": (
        ("James", "Emily", "Robert", "Sarah", "Daniel", "Laura"),
        ("Smith", "Johnson", "Miller", "Davis", "Walker"),
    ),
    "GB": (
        ("Oliver", "Charlotte", "Thomas", "Hannah", "William"),
        ("Taylor", "Brown", "Wilson", "Evans", "Hughes"),
    ),
    "DE": (
        ("Anna", "Lukas", "Katrin", "Jonas", "Stefan", "Julia"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker"),
    ),
    "FR": (
        ("Camille", "Julien", "Élodie", "Antoine", "Mathieu"),
        ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau"),
    ),
    "JP": (
        ("Kenji", "Yuki", "Hiroshi", "Naoko", "Takashi"),
        ("Tanaka", "Suzuki", "Sato", "Watanabe", "Yamamoto"),
    ),
    "KR": (("Min-jun", "Ji-woo", "Seo-yeon", "Hyun-woo"), ("Kim", "Lee", "Park", "Choi")),
    "CA": (("Ethan", "Olivia", "Liam", "Chloe"), ("Tremblay", "Roy", "Campbell", "MacDonald")),
    "AU": (("Jack", "Ruby", "Mia", "Harrison"), ("Kelly", "Ryan", "Mitchell", "Thompson")),
    "NL": (("Daan", "Sanne", "Bram", "Lotte"), ("de Jong", "Jansen", "van Dijk", "Bakker")),
    "CH": (("Luca", "Nina", "Reto", "Sabine"), ("Meier", "Keller", "Huber", "Brunner")),
    "SE": (("Erik", "Ingrid", "Lars", "Astrid"), ("Andersson", "Johansson", "Lindqvist", "Nilsson")),
    "IT": (("Marco", "Giulia", "Alessandro", "Chiara"), ("Rossi", "Bianchi", "Ferrari", "Romano")),
    "IL": (("Yael", "Noam", "Avi", "Tamar"), ("Cohen", "Levi", "Mizrahi", "Friedman")),
    "SG": (("Wei Ling", "Rajesh", "Siti", "Marcus"), ("Tan", "Lim", "Ng", "Kumar")),
    "DK": (("Mads", "Freja", "Søren"), ("Jensen", "Nielsen", "Hansen")),
    "FI": (("Mikko", "Aino", "Juha"), ("Virtanen", "Korhonen", "Mäkinen")),
    "AT": (("Florian", "Verena", "Matthias"), ("Gruber", "Wagner", "Pichler")),
    "ES": (("Pablo", "Lucía", "Javier"), ("García", "Fernández", "López")),
    "IE": (("Conor", "Aoife", "Sean"), ("Murphy", "O'Brien", "Byrne")),
    "BE": (("Wout", "Elise", "Pieter"), ("Peeters", "Janssens", "Maes")),
}

# Languages spoken besides zh/en, by country.
LOCAL_LANGUAGES: dict[str, str] = {
    "DE": "de",
    "AT": "de",
    "CH": "de",
    "FR": "fr",
    "BE": "fr",
    "JP": "ja",
    "KR": "ko",
    "NL": "nl",
    "SE": "sv",
    "IT": "it",
    "IL": "he",
    "DK": "da",
    "FI": "fi",
    "ES": "es",
    "RU": "ru",
    "NO": "no",
}


@dataclass(frozen=True)
class Affiliation:
    """An employer abroad, named in zh and en, with its city; ``academic`` picks the title ladder."""

    country: str
    name_zh: str
    name_en: str
    city_zh: str
    city_en: str
    academic: bool
    domain: str  # email domain stem, always under example.* so no real mailbox is implied


def _aff(country: str, spec: str) -> list[Affiliation]:
    """Parse ``"zh/en/city_zh/city_en/u|c/domain; …"`` rows for one country."""
    rows = []
    for row in spec.split(";"):
        zh, en, city_zh, city_en, kind, domain = (part.strip() for part in row.split("/"))
        rows.append(Affiliation(country, zh, en, city_zh, city_en, kind == "u", domain))
    return rows


AFFILIATIONS: tuple[Affiliation, ...] = tuple(
    _aff(
        "US",
        "斯坦福大学/Stanford University/斯坦福/Stanford/u/stanford; 麻省理工学院/Massachusetts Institute of "
        "Technology/剑桥/Cambridge/u/mit; 加州大学伯克利分校/University of California, "
        "Berkeley/伯克利/Berkeley/u/"
        "berkeley; 佐治亚理工学院/Georgia Institute of Technology/亚特兰大/Atlanta/u/gatech; "
        "德州大学奥斯汀分校/"
        "University of Texas at Austin/奥斯汀/Austin/u/utexas; 阿贡国家实验室/Argonne National "
        "Laboratory/芝加哥/"
        "Chicago/u/anl; 应用材料公司/Applied Materials/圣克拉拉/Santa Clara/c/amat; 辉瑞公司/Pfizer "
        "Inc./纽约/"
        "New York/c/pfizer",
    )
    + _aff(
        "GB",
        "帝国理工学院/Imperial College London/伦敦/London/u/imperial; 剑桥大学/University of Cambridge/剑桥/"
        "Cambridge/u/cam; 曼彻斯特大学/University of Manchester/曼彻斯特/Manchester/u/manchester; 阿斯利康/"
        "AstraZeneca/剑桥/Cambridge/c/astrazeneca; 罗尔斯·罗伊斯/Rolls-Royce plc/德比/Derby/c/rolls-royce",
    )
    + _aff(
        "DE",
        "亚琛工业大学/RWTH Aachen University/亚琛/Aachen/u/rwth; 慕尼黑工业大学/Technical University of "
        "Munich/"
        "慕尼黑/Munich/u/tum; 弗劳恩霍夫研究所/Fraunhofer Institute/斯图加特/Stuttgart/u/fraunhofer; "
        "西门子公司/"
        "Siemens AG/慕尼黑/Munich/c/siemens; 博世集团/Robert Bosch GmbH/斯图加特/Stuttgart/c/bosch",
    )
    + _aff(
        "FR",
        "巴黎萨克雷大学/Université Paris-Saclay/巴黎/Paris/u/paris-saclay; "
        "法国国家科学研究中心/CNRS/巴黎/Paris/u/"
        "cnrs; 赛诺菲/Sanofi/里昂/Lyon/c/sanofi",
    )
    + _aff(
        "JP",
        "东京大学/University of Tokyo/东京/Tokyo/u/u-tokyo; 京都大学/Kyoto "
        "University/京都/Kyoto/u/kyoto-u; 东北大学"
        "（日本）/Tohoku University/仙台/Sendai/u/tohoku; 丰田中央研究所/Toyota Central R&D "
        "Labs/名古屋/Nagoya/c/"
        "toyota-crdl",
    )
    + _aff(
        "KR",
        "韩国科学技术院/KAIST/大田/Daejeon/u/kaist; 首尔大学/Seoul National University/首尔/Seoul/u/snu; "
        "三星电子/"
        "Samsung Electronics/水原/Suwon/c/samsung",
    )
    + _aff(
        "CA",
        "多伦多大学/University of Toronto/多伦多/Toronto/u/utoronto; 滑铁卢大学/University of "
        "Waterloo/滑铁卢/"
        "Waterloo/u/uwaterloo; 英属哥伦比亚大学/University of British Columbia/温哥华/Vancouver/u/ubc",
    )
    + _aff(
        "AU",
        "新南威尔士大学/UNSW Sydney/悉尼/Sydney/u/unsw; 莫纳什大学/Monash "
        "University/墨尔本/Melbourne/u/monash; "
        "澳大利亚联邦科学与工业研究组织/CSIRO/堪培拉/Canberra/u/csiro",
    )
    + _aff(
        "SG",
        "新加坡国立大学/National University of Singapore/新加坡/Singapore/u/nus; 南洋理工大学/Nanyang "
        "Technological "
        "University/新加坡/Singapore/u/ntu; 新加坡科技研究局/A*STAR/新加坡/Singapore/u/astar",
    )
    + _aff(
        "NL",
        "代尔夫特理工大学/Delft University of Technology/代尔夫特/Delft/u/tudelft; "
        "阿斯麦公司/ASML/费尔德霍芬/"
        "Veldhoven/c/asml; 埃因霍温理工大学/Eindhoven University of Technology/埃因霍温/Eindhoven/u/tue",
    )
    + _aff(
        "CH",
        "苏黎世联邦理工学院/ETH Zurich/苏黎世/Zurich/u/ethz; 洛桑联邦理工学院/EPFL/洛桑/Lausanne/u/epfl; "
        "罗氏公司/"
        "Roche/巴塞尔/Basel/c/roche",
    )
    + _aff(
        "SE",
        "皇家理工学院/KTH Royal Institute of Technology/斯德哥尔摩/Stockholm/u/kth; "
        "查尔姆斯理工大学/Chalmers "
        "University of Technology/哥德堡/Gothenburg/u/chalmers; 沃尔沃汽车/Volvo "
        "Cars/哥德堡/Gothenburg/c/volvo",
    )
    + _aff(
        "IT",
        "米兰理工大学/Politecnico di Milano/米兰/Milan/u/polimi; 都灵理工大学/Politecnico di "
        "Torino/都灵/Turin/u/polito",
    )
    + _aff(
        "IL",
        "以色列理工学院/Technion – Israel Institute of Technology/海法/Haifa/u/technion; "
        "魏茨曼科学研究所/Weizmann "
        "Institute of Science/雷霍沃特/Rehovot/u/weizmann",
    )
    + _aff(
        "DK",
        "丹麦技术大学/Technical University of Denmark/哥本哈根/Copenhagen/u/dtu; 诺和诺德/Novo "
        "Nordisk/哥本哈根/"
        "Copenhagen/c/novonordisk",
    )
    + _aff(
        "FI",
        "阿尔托大学/Aalto University/埃斯波/Espoo/u/aalto; 诺基亚贝尔实验室/Nokia Bell "
        "Labs/埃斯波/Espoo/c/nokia",
    )
    + _aff("AT", "维也纳技术大学/TU Wien/维也纳/Vienna/u/tuwien")
    + _aff("ES", "巴塞罗那大学/University of Barcelona/巴塞罗那/Barcelona/u/ub")
    + _aff("IE", "都柏林圣三一学院/Trinity College Dublin/都柏林/Dublin/u/tcd")
    + _aff("BE", "比利时微电子研究中心/imec/鲁汶/Leuven/c/imec; 鲁汶大学/KU Leuven/鲁汶/Leuven/u/kuleuven")
    + _aff("RU", "莫斯科国立大学/Lomonosov Moscow State University/莫斯科/Moscow/u/msu")
    + _aff(
        "HK",
        "香港科技大学/Hong Kong University of Science and Technology/香港/Hong Kong/u/hkust; "
        "香港大学/University of "
        "Hong Kong/香港/Hong Kong/u/hku; 香港理工大学/Hong Kong Polytechnic University/香港/Hong "
        "Kong/u/polyu; "
        "香港应用科技研究院/ASTRI/香港/Hong Kong/c/astri",
    )
    + _aff(
        "TW",
        "台湾大学/National Taiwan University/台北/Taipei/u/ntu-tw; 清华大学（新竹）/National Tsing Hua "
        "University/"
        "新竹/Hsinchu/u/nthu; 成功大学/National Cheng Kung University/台南/Tainan/u/ncku; "
        "工业技术研究院/Industrial "
        "Technology Research Institute/新竹/Hsinchu/c/itri",
    )
    + _aff("MO", "澳门大学/University of Macau/澳门/Macao/u/um")
)

AFFILIATIONS_BY_COUNTRY: dict[str, tuple[Affiliation, ...]] = {
    code: tuple(a for a in AFFILIATIONS if a.country == code)
    for code in dict.fromkeys(a.country for a in AFFILIATIONS)
}

# (zh, en) title ladders.
ACADEMIC_TITLES: tuple[tuple[str, str], ...] = (
    ("教授", "Professor"),
    ("副教授", "Associate Professor"),
    ("助理教授", "Assistant Professor"),
    ("研究员", "Research Scientist"),
    ("首席研究员", "Principal Investigator"),
    ("博士后研究员", "Postdoctoral Fellow"),
    ("讲席教授", "Chair Professor"),
)
INDUSTRY_TITLES: tuple[tuple[str, str], ...] = (
    ("高级工程师", "Senior Engineer"),
    ("首席科学家", "Chief Scientist"),
    ("研发总监", "Director of R&D"),
    ("资深工程师", "Staff Engineer"),
    ("技术经理", "Technical Manager"),
    ("首席工程师", "Principal Engineer"),
)

# Brand words for fictional Chinese enterprises: (hanzi, pinyin).
BRAND_WORDS: tuple[tuple[str, str], ...] = _pairs(
    "瑞达 Ruida, 华创 Huachuang, 中科 Zhongke, 博远 Boyuan, 恒信 Hengxin, 天成 Tiancheng, 新锐 Xinrui, "
    "智源 Zhiyuan,"
    " 汇能 Huineng, 宏图 Hongtu, 冠达 Guanda, 鼎盛 Dingsheng, 星辰 Xingchen, 安泰 Antai, 联合 Lianhe, 领航 "
    "Linghang,"
    " 凯越 Kaiyue, 德润 Derun, 金鹏 Jinpeng, 海纳 Haina, 同创 Tongchuang, 卓越 Zhuoyue, 云帆 Yunfan, 启航 "
    "Qihang"
)

# Industries each company (by email domain stem) plausibly employs experts in; universities take any topic.
COMPANY_INDUSTRIES: dict[str, frozenset[str]] = {
    "amat": frozenset({"semiconductors", "materials", "equipment"}),
    "pfizer": frozenset({"biomedicine"}),
    "astrazeneca": frozenset({"biomedicine"}),
    "rolls-royce": frozenset({"aerospace", "equipment", "materials"}),
    "siemens": frozenset({"equipment", "ngit", "medical_devices", "new_energy", "ai", "environment"}),
    "bosch": frozenset({"automotive", "equipment", "ai", "semiconductors"}),
    "sanofi": frozenset({"biomedicine", "chemicals"}),
    "toyota-crdl": frozenset({"automotive", "new_energy", "materials", "ai"}),
    "samsung": frozenset({"semiconductors", "ngit", "new_energy", "ai", "digital_creative"}),
    "asml": frozenset({"semiconductors", "equipment"}),
    "roche": frozenset({"biomedicine", "medical_devices"}),
    "volvo": frozenset({"automotive"}),
    "novonordisk": frozenset({"biomedicine"}),
    "nokia": frozenset({"ngit", "ai"}),
    "imec": frozenset({"semiconductors", "ngit", "medical_devices"}),
    "astri": frozenset({"ngit", "semiconductors", "ai", "digital_creative"}),
    "itri": frozenset(
        {"semiconductors", "materials", "new_energy", "equipment", "ngit", "chemicals", "environment"}
    ),
}
