"""Events published by the mutation service (topic `asn.mutation.events`)."""

from datetime import date

from pydantic import BaseModel, Field


class ProposalEffective(BaseModel):
    """A decreed mutation reached its TMT: the employee service moves the person (ARCHITECTURE.md §5)."""

    mutation_id: str
    nip: str
    to_agency_code: str
    to_unit_id: str
    to_position_id: str
    tmt: date = Field(description="effective date from the decree (SK)")
    decree_number: str | None = None
