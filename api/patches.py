"""PATCH bodies: every field of a record but its id, each optional, unknown keys refused.

Built from the record models themselves, so a PATCH accepts exactly the fields, types and limits a
create accepts, and the schema lists them (a free-form object would let clients send keys the
server then refuses).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from matcher.domain.records import Demand, Expert, Organization, Record, Site


def _patch_model(record_type: type[Record]) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for name, info in record_type.model_fields.items():
        if name == "id":
            continue  # ids never change: create a new record instead
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        fields[name] = (annotation, Field(default=None, description=info.description))
    config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    doc = f"Fields of {record_type.__name__.lower()} to change; omitted fields keep their values."
    return create_model(f"{record_type.__name__}Patch", __config__=config, __doc__=doc, **fields)


if TYPE_CHECKING:  # built at run time; type checkers see the base class
    ExpertPatch = BaseModel
    OrganizationPatch = BaseModel
    SitePatch = BaseModel
    DemandPatch = BaseModel
else:
    ExpertPatch = _patch_model(Expert)
    OrganizationPatch = _patch_model(Organization)
    SitePatch = _patch_model(Site)
    DemandPatch = _patch_model(Demand)


def changes_of(patch: BaseModel) -> dict[str, Any]:
    """The fields the client sent (an explicit null clears an optional field)."""
    return patch.model_dump(exclude_unset=True)
