from dispatch.models import Base
from kentongan.migrations import run_env

run_env(Base.metadata)
