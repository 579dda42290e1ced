from kentongan.migrations import run_env
from report_intake.models import Base

run_env(Base.metadata)
