"""Under shmemrun: prints this PE's rank and the job key shmemrun gave it, in one write (tests/test_job_identity.py),
so that two processes' lines cannot interleave on the shared pipe."""

import os
import sys

sys.stdout.write(os.environ["SHMEM_RANK"] + " " + os.environ["SHMEM_JOB_KEY"] + "\n")
