from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

Pin = Annotated[str, StringConstraints(pattern=r"^[0-9]{4,8}$")]


class PinsUpdate(BaseModel):
    cancel_pin: Pin = Field(description="4-8 digits: cancels an alarm")
    duress_pin: Pin = Field(description="4-8 digits, not the cancel PIN: looks like a cancel, but calls for help")
    current_pin: str | None = Field(None, max_length=8, description="The cancel PIN in use, to change them")

    @model_validator(mode="after")
    def _different(self) -> "PinsUpdate":
        if self.cancel_pin == self.duress_pin:
            raise ValueError("duress_pin must differ from cancel_pin")
        return self


class PinsState(BaseModel):
    pins_set: bool
