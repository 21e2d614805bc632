"""Synthetic enterprise demands (企业需求) and topic-based graded relevance labels."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

from matcher.domain.records import (
    COOPERATION_LABELS_ZH,
    CooperationMode,
    Demand,
    DemandStatus,
    Expert,
    Site,
    SiteKind,
)
from pipelines.demo.experts import REFERENCE_DATE
from pipelines.demo.names import BRAND_WORDS
from pipelines.demo.topics import INDUSTRIES_BY_CODE, TOPICS_BY_ID, Topic

_CITY_EN = {
    "广州市": "Guangzhou",
    "深圳市": "Shenzhen",
    "佛山市": "Foshan",
    "东莞市": "Dongguan",
    "珠海市": "Zhuhai",
    "中山市": "Zhongshan",
    "惠州市": "Huizhou",
    "江门市": "Jiangmen",
    "湛江市": "Zhanjiang",
    "重庆市": "Chongqing",
}
_TITLE_ZH = (
    "{k}技术攻关",
    "{label}关键技术合作",
    "寻求{label}领域海外专家",
    "{k}与{k2}联合研发",
    "{k}工艺优化",
    "{label}项目技术指导",
    "{k}产业化技术需求",
)
_TITLE_EN = (
    "Expertise sought in {label}",
    "{K} development partnership",
    "Technical support for a {k} project",
    "Overseas expert needed: {label}",
    "{K} process optimisation",
)
_INTRO_ZH = (
    "{enterprise}是一家位于{city}的{industry}企业，{scale}。",
    "本企业主营{industry}相关产品，{scale}。",
    "{enterprise}为国家高新技术企业，{scale}。",
)
_SCALE_ZH = (
    "年产值约{n}亿元",
    "现有研发人员{m}人",
    "拥有省级工程技术研究中心",
    "产品出口欧美市场",
    "正处于快速扩产阶段",
)
_INTRO_EN = (
    "{enterprise} is a {industry} company in {city}.",
    "We are a high-tech {industry} enterprise based in {city}.",
)
_FOCUS_ZH = ("重点关注{k}与{k2}等关键技术。", "需要在{k}方面取得突破。")
_FOCUS_EN = ("Key topics are {k} and {k2}.", "A breakthrough in {k} is required.")
_CLOSING_ZH = (
    "希望以{modes}方式与海外专家合作，项目预算约{budget}万元。",
    "期望{months}个月内取得阶段性成果，可接受{modes}。",
    "诚邀海外专家以{modes}形式参与，寻求海外专家技术指导。",
)
_CLOSING_EN = (
    "We welcome {modes} cooperation with overseas experts; the budget is about {budget} RMB.",
    "We expect first results within {months} months and accept {modes} arrangements.",
)
_MODE_EN = {
    CooperationMode.FULL_TIME: "full-time",
    CooperationMode.FLEXIBLE: "flexible",
    CooperationMode.PART_TIME: "part-time",
    CooperationMode.PROJECT: "project",
    CooperationMode.TECH_TRANSFER: "technology transfer",
    CooperationMode.CONSULTING: "consulting",
    CooperationMode.OFFSHORE: "remote",
}
_DEMAND_MODE_WEIGHTS = {
    CooperationMode.PROJECT: 4,
    CooperationMode.CONSULTING: 3,
    CooperationMode.FLEXIBLE: 3,
    CooperationMode.TECH_TRANSFER: 2,
    CooperationMode.PART_TIME: 1.5,
    CooperationMode.OFFSHORE: 1,
    CooperationMode.FULL_TIME: 1,
}
_STATUS_WEIGHTS = {
    DemandStatus.OPEN: 66,
    DemandStatus.MATCHING: 12,
    DemandStatus.NEGOTIATING: 9,
    DemandStatus.COOPERATING: 5,
    DemandStatus.CLOSED: 6,
    DemandStatus.WITHDRAWN: 2,
}
_BUDGETS = (20, 30, 50, 80, 100, 150, 200, 300, 500)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _city_of(station: Site) -> str:
    district = station.city or ""
    return district[: district.index("市") + 1] if "市" in district else district


def _enterprise(rng: random.Random, station: Site, topic: Topic) -> tuple[str, str]:
    """A (zh, en) enterprise name: the station's host if it works in this industry, else a fictional one."""
    industry = INDUSTRIES_BY_CODE[topic.industry]
    host = station.host or ""
    city = _city_of(station)
    if host.endswith("有限公司") and industry.company_suffix_zh in host:
        brand = next((b for b in BRAND_WORDS if b[0] in host), BRAND_WORDS[0])
    else:
        brand = rng.choice(BRAND_WORDS)
    zh = f"{city.removesuffix('市')}{brand[0]}{industry.company_suffix_zh}有限公司"
    en = f"{_CITY_EN.get(city, 'Guangdong')} {brand[1]} {industry.company_suffix_en} Co., Ltd."
    return zh, en


def choose_modes(rng: random.Random, candidates: Sequence[Expert]) -> list[CooperationMode]:
    """Demand cooperation modes: 1–2 random ones, widened until ≥3 active candidates share a mode."""
    modes: list[CooperationMode] = []
    for _ in range(rng.choice((1, 1, 2))):
        mode = rng.choices(list(_DEMAND_MODE_WEIGHTS), weights=list(_DEMAND_MODE_WEIGHTS.values()))[0]
        if mode not in modes:
            modes.append(mode)

    def covered(selected: list[CooperationMode]) -> int:
        return sum(1 for e in candidates if e.active and set(e.cooperation_modes) & set(selected))

    while covered(modes) < 3:
        options = [m for m in CooperationMode if m not in modes]
        if not options:
            raise ValueError("fewer than 3 active experts for a demand topic; add experts to the topic bank")
        modes.append(max(options, key=lambda m: (covered([*modes, m]), -list(CooperationMode).index(m))))
    return modes


def build_demand(
    rng: random.Random,
    demand_id: str,
    topic: Topic,
    station: Site,
    english: bool,
    candidates: Sequence[Expert],
) -> Demand:
    """Render one demand for ``topic`` posted through ``station``; ``candidates`` are the topic's experts."""
    industry = INDUSTRIES_BY_CODE[topic.industry]
    enterprise_zh, enterprise_en = _enterprise(rng, station, topic)
    modes = choose_modes(rng, candidates)
    budget = rng.choice(_BUDGETS) if rng.random() < 0.9 else None
    months = rng.choice((3, 6, 9, 12, 18))
    city = _city_of(station)
    n_keywords = rng.randint(2, min(5, len(topic.keywords)))
    if english:
        k, k2 = rng.sample(topic.keywords_en, 2)
        title = rng.choice(_TITLE_EN).format(label=_lower_first(topic.label_en), k=k, K=k[:1].upper() + k[1:])
        sentences = rng.sample(topic.demand_en, rng.randint(1, len(topic.demand_en)))
        if rng.random() < 0.6:
            sentences.insert(
                0,
                rng.choice(_INTRO_EN).format(
                    enterprise=enterprise_en,
                    city=_CITY_EN.get(city, city),
                    industry=_lower_first(industry.label_en),
                ),
            )
        if len(sentences) < 3 and rng.random() < 0.4:
            sentences.append(rng.choice(_FOCUS_EN).format(k=k, k2=k2))
        mode_text = " or ".join(_MODE_EN[m] for m in modes)
        closings = [c for c in _CLOSING_EN if budget or "{budget}" not in c]
        sentences.append(
            rng.choice(closings).format(modes=mode_text, budget=f"{(budget or 0) * 10000:,}", months=months)
        )
        description, keywords = " ".join(sentences), rng.sample(topic.keywords_en, n_keywords)
        fields, enterprise = [topic.label_en], enterprise_en
        region = f"{_CITY_EN.get(city, city)}, {'Chongqing' if station.province == '重庆市' else 'Guangdong'}"
    else:
        k, k2 = rng.sample(topic.keywords_zh, 2)
        title = rng.choice(_TITLE_ZH).format(label=topic.label_zh, k=k, k2=k2)
        sentences = rng.sample(topic.demand_zh, rng.randint(1, len(topic.demand_zh)))
        if rng.random() < 0.6:
            scale = rng.choice(_SCALE_ZH).format(n=rng.randint(2, 80), m=rng.randint(20, 600))
            sentences.insert(
                0,
                rng.choice(_INTRO_ZH).format(
                    enterprise=enterprise_zh, city=city, industry=industry.label_zh, scale=scale
                ),
            )
        if len(sentences) < 3 and rng.random() < 0.4:
            sentences.append(rng.choice(_FOCUS_ZH).format(k=k, k2=k2))
        mode_text = "或".join(COOPERATION_LABELS_ZH[m] for m in modes)
        closings = [c for c in _CLOSING_ZH if budget or "{budget}" not in c]
        sentences.append(rng.choice(closings).format(modes=mode_text, budget=budget, months=months))
        description, keywords = "".join(sentences), rng.sample(topic.keywords_zh, n_keywords)
        fields, enterprise = [topic.label_zh], enterprise_zh
        region = city if station.province == city else f"{station.province}{city}"
    posted = REFERENCE_DATE - timedelta(days=rng.randint(3, 600))
    status = rng.choices(list(_STATUS_WEIGHTS), weights=list(_STATUS_WEIGHTS.values()))[0]
    return Demand(
        id=demand_id,
        station_id=station.id,
        title=title,
        description=description,
        enterprise=enterprise,
        industry=topic.industry,
        fields=fields,
        keywords=keywords,
        cooperation_modes=modes,
        region=region,
        budget_wan=budget,
        deadline=posted + timedelta(days=rng.randint(90, 420)),
        status=status,
        posted_at=posted,
    )


def domestic_stations(sites: Sequence[Site]) -> list[Site]:
    """Active domestic stations, the ones that post demands."""
    return [s for s in sites if s.kind is SiteKind.STATION and s.active]


def grade_pairs(
    demands: Sequence[Demand],
    demand_topics: dict[str, str],
    experts: Sequence[Expert],
    expert_topics: dict[str, tuple[str, str | None]],
) -> list[tuple[str, str, int]]:
    """Graded labels from topic identity only (inactive experts are never relevant).

    3: primary topic = demand topic and a shared cooperation mode (or the demand names none);
    2: primary topic matches but no shared mode, or the secondary topic matches;
    1: primary topic is marked related to the demand topic.
    """
    gold: list[tuple[str, str, int]] = []
    for demand in demands:
        topic = TOPICS_BY_ID[demand_topics[demand.id]]
        wanted = set(demand.cooperation_modes)
        for expert in experts:
            if not expert.active:
                continue
            primary, secondary = expert_topics[expert.id]
            if primary == topic.id:
                grade = 3 if not wanted or wanted & set(expert.cooperation_modes) else 2
            elif secondary == topic.id:
                grade = 2
            elif primary in topic.related or topic.id in TOPICS_BY_ID[primary].related:
                grade = 1
            else:
                continue
            gold.append((demand.id, expert.id, grade))
    return gold
