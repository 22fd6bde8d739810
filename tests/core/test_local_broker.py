"""The broker of `make run` without Redis: a message is never seen by a worker before it is whole."""

from queue import Empty

import pytest
from kombu import Connection

from core import local_broker


@pytest.fixture
def channel(tmp_path):
    folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    connection = Connection("filesystem://", transport_options={
        "data_folder_in": str(folders["queue"]), "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]), "control_folder": str(folders["control"]),
        "store_processed": False})
    channel = connection.channel()
    yield channel
    connection.release()


def test_filesystem_urls_use_the_whole_message_transport(channel):
    assert isinstance(channel, local_broker.Channel)


def test_a_worker_reading_while_a_message_is_written_finds_nothing_rather_than_an_empty_file(channel, monkeypatch):
    seen = []
    write = local_broker._write

    def write_while_a_worker_looks(path, data):
        write(path, data[:1])  # half-written, as a busy machine can leave it for a moment
        try:
            channel._get("celery")
        except Empty:
            seen.append("nothing")
        write(path, data)

    monkeypatch.setattr(local_broker, "_write", write_while_a_worker_looks)
    channel._put("celery", {"body": "the whole message"})
    assert seen == ["nothing"]
    assert channel._get("celery") == {"body": "the whole message"}
    with pytest.raises(Empty):
        channel._get("celery")
