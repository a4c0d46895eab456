"""The seed's classes: engine and status enums, init attributes, team configuration."""

from __future__ import annotations

from enum import IntEnum

DEFAULT_TIMEOUT = 120
DEFAULT_IP_PORT = ""


class OpEngineType(IntEnum):
    """How data moves: MTE copies on the calling thread, SDMA through the copy engine, ROCE over the network.
    UDMA (Ascend's unified-bus DMA, a device no host here has) runs on the copy engine, as SDMA does."""

    MTE = 1
    SDMA = 2
    ROCE = 4
    UDMA = 8


class InitStatus(IntEnum):
    NOT_INITIALIZED = 0
    SHM_CREATED = 1
    INITIALIZED = 2
    INVALID = 2147483647


SHMEM_STATUS_NOT_INITIALIZED = InitStatus.NOT_INITIALIZED
SHMEM_STATUS_SHM_CREATED = InitStatus.SHM_CREATED
SHMEM_STATUS_IS_INITIALIZED = InitStatus.INITIALIZED
SHMEM_STATUS_INVALID = InitStatus.INVALID


class OptionalAttr:
    """Optional init settings; timeouts are in seconds."""

    __slots__ = ("version", "data_op_engine_type", "shm_init_timeout", "shm_create_timeout",
                 "control_operation_timeout", "sockFd")

    def __init__(self) -> None:
        self.version: int = 1
        self.data_op_engine_type: OpEngineType = OpEngineType.MTE
        self.shm_init_timeout: int = DEFAULT_TIMEOUT
        self.shm_create_timeout: int = DEFAULT_TIMEOUT
        self.control_operation_timeout: int = DEFAULT_TIMEOUT
        # Ascend: a socket the caller bound in advance for the rendezvous port; -1 none. Kept for programs that
        # set it; the rendezvous here binds its own port (see docs/migration.md).
        self.sockFd: int = -1

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"OptionalAttr({fields})"


class InitAttr:
    """What shmem_init needs besides rank, size and heap size: where PEs meet, and the optional settings."""

    __slots__ = ("my_rank", "n_ranks", "ip_port", "local_mem_size", "option_attr", "_instance_id")

    def __init__(self) -> None:
        self.my_rank: int = 0
        self.n_ranks: int = 1
        self.ip_port: str = DEFAULT_IP_PORT
        self.local_mem_size: int = 0
        self.option_attr: OptionalAttr = OptionalAttr()
        self._instance_id = 0

    @property
    def instance_id(self) -> int:
        """The instance the init creates (0..254; 0 the default; see shmem.core.instance). Setting anything else
        raises as Ascend's binding does: TypeError for what is no int, ValueError for a bool or an int out of range."""
        return self._instance_id

    @instance_id.setter
    def instance_id(self, value: int) -> None:
        from ._init_fini import instance_id_arg

        self._instance_id = instance_id_arg(value)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k.lstrip('_'))!r}" for k in self.__slots__)
        return f"InitAttr({fields})"


class TeamConfig:
    """Configuration a team is created with."""

    __slots__ = ("num_contexts",)

    def __init__(self, num_contexts: int = 0) -> None:
        self.num_contexts: int = num_contexts

    def __repr__(self) -> str:
        return f"TeamConfig(num_contexts={self.num_contexts!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TeamConfig) and other.num_contexts == self.num_contexts


def engine_value(value: object) -> OpEngineType | None:
    """The OpEngineType a value names, or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    try:
        return OpEngineType(value)
    except ValueError:
        return None
