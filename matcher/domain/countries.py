"""Country names (zh / en / ISO alpha-2) → ISO alpha-2 codes, for the countries experts come from."""

from __future__ import annotations

# code: (English name, Chinese name, other aliases…)
COUNTRIES: dict[str, tuple[str, ...]] = {
    "US": ("United States", "美国", "USA", "U.S.", "America", "美國"),
    "GB": ("United Kingdom", "英国", "UK", "Britain", "England", "英國"),
    "DE": ("Germany", "德国", "德國"),
    "FR": ("France", "法国", "法國"),
    "JP": ("Japan", "日本"),
    "KR": ("South Korea", "韩国", "Korea", "韓國"),
    "CA": ("Canada", "加拿大"),
    "AU": ("Australia", "澳大利亚", "澳洲", "澳大利亞"),
    "SG": ("Singapore", "新加坡"),
    "NL": ("Netherlands", "荷兰", "荷蘭", "Holland"),
    "CH": ("Switzerland", "瑞士"),
    "SE": ("Sweden", "瑞典"),
    "IT": ("Italy", "意大利", "義大利"),
    "IL": ("Israel", "以色列"),
    "RU": ("Russia", "俄罗斯", "俄羅斯"),
    "BE": ("Belgium", "比利时", "比利時"),
    "DK": ("Denmark", "丹麦", "丹麥"),
    "FI": ("Finland", "芬兰", "芬蘭"),
    "NO": ("Norway", "挪威"),
    "AT": ("Austria", "奥地利", "奧地利"),
    "ES": ("Spain", "西班牙"),
    "IE": ("Ireland", "爱尔兰", "愛爾蘭"),
    "NZ": ("New Zealand", "新西兰", "紐西蘭"),
    "HK": ("Hong Kong", "中国香港", "香港"),
    "TW": ("Taiwan", "中国台湾", "台湾", "臺灣", "台灣"),
    "MO": ("Macao", "中国澳门", "澳门", "澳門", "Macau"),
    "MY": ("Malaysia", "马来西亚", "馬來西亞"),
    "IN": ("India", "印度"),
    "BR": ("Brazil", "巴西"),
    "UA": ("Ukraine", "乌克兰", "烏克蘭"),
    "BY": ("Belarus", "白俄罗斯", "白俄羅斯"),
    "PL": ("Poland", "波兰", "波蘭"),
    "CN": ("China", "中国", "中國"),
}

_LOOKUP: dict[str, str] = {}
for _code, _names in COUNTRIES.items():
    _LOOKUP[_code.lower()] = _code
    for _name in _names:
        _LOOKUP[_name.lower()] = _code


def to_country_code(value: str) -> str:
    """Return the ISO alpha-2 code for a country name or code in zh or en.

    Raises:
        ValueError: if the country is not recognised.
    """
    code = _LOOKUP.get(value.strip().lower())
    if code is None:
        raise ValueError(f"unknown country {value!r} (use an ISO code such as US, or a name such as 美国)")
    return code


def country_name(code: str, language: str = "en") -> str:
    """Display name of a country code in ``en`` or ``zh``."""
    names = COUNTRIES.get(code)
    if names is None:
        return code
    return names[1] if language.startswith("zh") else names[0]
