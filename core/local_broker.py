"""The broker `make run` uses without Redis: kombu's filesystem transport, with each message written whole
before a worker can see it.

kombu creates the message's file under its final name and then writes into it. A worker listing the folder
in that moment takes the empty file, fails to decode it and stops (seen on a busy machine: the worker died
with a JSONDecodeError and `make run` with it). Here the message is written under a name no queue reads,
then renamed into place, which the filesystem does atomically.
"""

import os
import uuid

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`: written to a hidden name, then renamed to kombu's own message name."""
        name = f"{int(round(filesystem.monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot and no ".<queue>.msg" ending: `_get` never takes it.
        hidden = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.part")
        try:
            _write(hidden, str_to_bytes(dumps(payload)))
            os.replace(hidden, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def local_broker_register() -> None:
    """Have `filesystem://` mean this transport (collections_portal.celery calls it before any connection)."""
    TRANSPORT_ALIASES["filesystem"] = "core.local_broker:Transport"
