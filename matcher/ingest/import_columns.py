"""Column names accepted by the importer: record field names plus common Chinese headers.

Header matching ignores case, whitespace, ``_``/``-``, a required-marker ``*`` and full-width forms,
so ``Name EN``, ``name_en`` and ``英文名`` all mean ``name_en``.
"""

from __future__ import annotations

import re
import unicodedata

from matcher.domain.records import RECORD_TYPES

_COMMON: dict[str, tuple[str, ...]] = {
    "id": ("编号", "ID", "代码"),
    "name_en": ("英文名", "英文姓名", "英文名称", "English name"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "e-mail", "mail"),
    "phone": ("电话", "手机", "联系电话", "手机号"),
    "orcid": ("ORCID", "ORCID iD"),
    "country": ("国家", "国别", "所在国家", "国家/地区", "国家或地区"),
    "city": ("城市", "所在城市"),
    "active": ("有效", "是否有效", "启用", "在库"),
    "fields": ("研究领域", "领域", "技术领域", "专业领域"),
    "keywords": ("关键词", "关键字"),
    "cooperation_modes": ("合作方式", "合作模式", "合作意向"),
}

_PER_KIND: dict[str, dict[str, tuple[str, ...]]] = {
    "experts": {
        "id": ("专家编号", "专家ID"),
        "name": ("姓名", "中文名", "中文姓名"),
        "affiliation": ("单位", "工作单位", "所在单位", "任职单位", "机构"),
        "title": ("职称", "职务"),
        "organizations": ("所属团体", "海外团体", "团体"),
        "industries": ("行业", "产业", "所属行业"),
        "bio": ("简介", "个人简介"),
        "publications": ("论文", "代表性成果", "代表性论文", "成果"),
        "languages": ("语言", "工作语言"),
        "updated_at": ("更新时间", "更新日期"),
    },
    "organizations": {
        "id": ("团体编号",),
        "name": ("名称", "团体名称", "中文名称"),
        "kind": ("类型", "团体类型"),
        "website": ("网站", "网址", "官网"),
        "description": ("简介", "描述", "介绍"),
    },
    "sites": {
        "id": ("基地编号", "工作站编号"),
        "name": ("名称", "中文名称"),
        "kind": ("类型",),
        "parent_id": ("上级基地", "上级", "所属基地"),
        "province": ("省份", "省"),
        "host": ("依托单位", "承建单位"),
        "contact_emails": ("联系邮箱",),
        "contact_language": ("联系语言",),
    },
    "demands": {
        "id": ("需求编号",),
        "station_id": ("工作站", "工作站编号", "所属工作站"),
        "title": ("需求名称", "需求标题", "标题", "名称"),
        "description": ("需求描述", "需求内容", "描述", "内容"),
        "enterprise": ("企业", "企业名称", "需求企业"),
        "industry": ("行业", "产业", "所属行业"),
        "region": ("地区", "所在地区"),
        "budget_wan": ("预算(万元)", "预算", "经费(万元)"),
        "deadline": ("截止日期", "截止时间"),
        "status": ("状态", "需求状态"),
        "posted_at": ("发布日期", "发布时间"),
    },
}

# Chinese spellings of enum values, accepted in cells.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "kind": {  # sites
        "海智基地": "base",
        "基地": "base",
        "离岸创新创业基地": "offshore_base",
        "离岸基地": "offshore_base",
        "海智工作站": "station",
        "工作站": "station",
        "海外工作站": "overseas_station",
    },
    "status": {  # demands
        "开放": "open",
        "待匹配": "open",
        "匹配中": "matching",
        "洽谈中": "negotiating",
        "合作中": "cooperating",
        "已关闭": "closed",
        "关闭": "closed",
        "已撤回": "withdrawn",
        "撤回": "withdrawn",
    },
    "active": {"是": "true", "否": "false", "有效": "true", "无效": "false"},
}

_IGNORED = re.compile(r"[\s_\-*]+")


def normalise_header(text: str) -> str:
    """Comparable form of a header: NFKC (full-width → ASCII), lower case, no spaces/``_``/``-``/``*``."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text)).lower()


def aliases(kind: str) -> dict[str, tuple[str, ...]]:
    """field → accepted Chinese/English header spellings (besides the field name) for ``kind``."""
    fields = RECORD_TYPES[kind].model_fields
    merged: dict[str, tuple[str, ...]] = {}
    for name in fields:
        merged[name] = _PER_KIND.get(kind, {}).get(name, ()) + _COMMON.get(name, ())
    return merged


def header_lookup(kind: str) -> dict[str, str]:
    """normalised header → field name for ``kind``."""
    lookup: dict[str, str] = {}
    for name, spellings in aliases(kind).items():
        for spelling in (name, *spellings):
            lookup.setdefault(normalise_header(spelling), name)
    return lookup
