from cctv_ingest.models import Base
from kentongan.migrations import run_env

run_env(Base.metadata)
