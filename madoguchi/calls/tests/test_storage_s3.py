"""The S3-compatible recordings storage (TEL-6) against a real S3 HTTP server.

moto's server runs in a thread on 127.0.0.1 (a port the OS picks) and the backend talks
to it over HTTP with boto3, exactly as it would to MinIO, Ceph RGW or AWS S3; nothing in
the client is patched. Credentials are fake and come from the environment, as in
production. Two tests add a botocore event hook, clearly marked, to play a server that
lacks a feature or a writer that races us; everything else is the server's own answer.
"""

from __future__ import annotations

import io
import uuid
import wave
from datetime import datetime, timedelta

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from django.core.exceptions import ImproperlyConfigured
from moto.server import ThreadedMotoServer

from madoguchi.calls import storage as storage_module
from madoguchi.calls.errors import CallsError
from madoguchi.calls.models import Call, Recording
from madoguchi.calls.recordings import recording_open, recording_store, recordings_purge
from madoguchi.calls.storage import (
    LocalRecordingStorage,
    RecordingStorageError,
    S3RecordingStorage,
    StorageKeyError,
    recording_storage,
)
from madoguchi.tenancy.calendars import TOKYO

STARTED = datetime(2026, 1, 5, 9, 0, 10, tzinfo=TOKYO)
ENDED = datetime(2026, 1, 5, 9, 4, 40, tzinfo=TOKYO)
REGION = "ap-northeast-1"
KEY = "iwaki/2026/01/05/a.wav"


def wav_bytes(seconds: float = 1.0, *, rate: int = 8000) -> bytes:
    """A real WAV file of silence (16-bit linear PCM), as in test_recordings."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


# --- the server, credentials and a bucket -------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server on loopback for this module's tests; stopped after them."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Fake credentials the standard way; no profile, config file, proxy or instance role."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in [
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
    ]:
        monkeypatch.delenv(name, raising=False)
    # Backends are cached per configuration; each test starts without any.
    monkeypatch.setattr(storage_module, "_s3_storages", {})


@pytest.fixture(scope="module")
def s3(s3_endpoint):
    """The test's own client (its view of the server, not the backend's), made once."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def bucket(s3):
    """A fresh bucket for each test (the server outlives the test)."""
    name = f"recordings-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    yield name
    # moto keeps buckets in process memory for the rest of the run: empty and remove it.
    for key in object_keys(s3, name):
        s3.delete_object(Bucket=name, Key=key)
    s3.delete_bucket(Bucket=name)


@pytest.fixture
def backend(s3_endpoint, aws_env, bucket):
    return S3RecordingStorage(
        bucket=bucket, prefix="madoguchi/recordings", endpoint_url=s3_endpoint, region=REGION
    )


@pytest.fixture
def s3_settings(settings, s3_endpoint, aws_env, bucket, tmp_path):
    settings.RECORDINGS_STORAGE = "s3"
    settings.RECORDINGS_S3_ENDPOINT_URL = s3_endpoint
    settings.RECORDINGS_S3_BUCKET = bucket
    settings.RECORDINGS_S3_PREFIX = "recordings"
    settings.RECORDINGS_S3_REGION = REGION
    settings.RECORDINGS_S3_SSE = True
    settings.RECORDINGS_DIR = tmp_path / "local"  # must stay untouched
    return settings


def sent_requests(storage: S3RecordingStorage) -> list[AWSPreparedRequest]:
    """Record every HTTP request the backend's client sends (it still sends them)."""
    sent: list[AWSPreparedRequest] = []

    def record(request, **kwargs):
        sent.append(request)

    storage.client.meta.events.register("before-send.s3.*", record)
    return sent


def object_keys(s3, bucket: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


# --- the backend --------------------------------------------------------------------------


def test_save_exists_open_refuse_a_second_save_delete(backend, s3, bucket):
    data = wav_bytes()
    assert backend.exists(KEY) is False

    backend.save(KEY, data)
    assert backend.exists(KEY) is True
    with backend.open(KEY) as file:
        assert file.read() == data
        file.seek(0)  # recording_open hashes first, then serves from the start
        assert file.read(4) == b"RIFF"

    with pytest.raises(FileExistsError):
        backend.save(KEY, b"something else")
    with backend.open(KEY) as file:
        assert file.read() == data

    # Under the prefix, encrypted at rest as requested, with its hash alongside.
    assert object_keys(s3, bucket) == [f"madoguchi/recordings/{KEY}"]
    head = s3.head_object(Bucket=bucket, Key=f"madoguchi/recordings/{KEY}")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "audio/wav"
    assert head["ContentLength"] == len(data)

    backend.delete(KEY)
    assert backend.exists(KEY) is False
    assert object_keys(s3, bucket) == []
    backend.delete(KEY)  # deleting a missing key is not an error (retries are safe)
    with pytest.raises(FileNotFoundError):
        backend.open(KEY)


def test_writes_ask_for_encryption_and_a_condition_unless_sse_is_off(s3_endpoint, aws_env, bucket):
    on = S3RecordingStorage(bucket=bucket, endpoint_url=s3_endpoint, region=REGION)
    sent = sent_requests(on)
    on.save("iwaki/x.wav", b"x")
    put = next(r for r in sent if r.method == "PUT")
    assert put.headers["x-amz-server-side-encryption"] == b"AES256"
    assert put.headers["If-None-Match"] == b"*"

    off = S3RecordingStorage(bucket=bucket, endpoint_url=s3_endpoint, region=REGION, sse=False)
    sent = sent_requests(off)
    off.save("iwaki/y.wav", b"y")
    put = next(r for r in sent if r.method == "PUT")
    assert "x-amz-server-side-encryption" not in put.headers
    assert put.headers["If-None-Match"] == b"*"


@pytest.mark.parametrize(
    "key",
    [
        "../outside.wav",
        "iwaki/../../outside.wav",
        "/etc/passwd",
        "iwaki\\..\\x.wav",
        ".hidden.wav",
        "iwaki//x.wav",
        "iwaki/./x.wav",
        "iwaki/x.wav/",
        "",
        "a" * 201,
        "iwaki/録音.wav",
        "iwaki/x.wav?versionId=1",
    ],
)
def test_invalid_keys_are_refused_before_any_request(backend, s3, bucket, key):
    sent = sent_requests(backend)
    for attempt in [
        lambda: backend.save(key, b"x"),
        lambda: backend.open(key),
        lambda: backend.delete(key),
        lambda: backend.exists(key),
    ]:
        with pytest.raises(StorageKeyError):
            attempt()
    assert sent == []
    assert object_keys(s3, bucket) == []


def test_a_writer_racing_for_the_key_loses_to_the_condition(backend, s3, bucket):
    """Another writer puts the object between our HEAD and our PUT (played by a hook that
    writes it through the test's own client, to the real server): the server answers
    412 to our conditional PUT and the first object stays as it was."""
    name = f"madoguchi/recordings/{KEY}"

    def other_writer_first(**kwargs):
        s3.put_object(Bucket=bucket, Key=name, Body=b"theirs")

    backend.client.meta.events.register("before-call.s3.PutObject", other_writer_first)
    with pytest.raises(FileExistsError):
        backend.save(KEY, b"ours")
    assert s3.get_object(Bucket=bucket, Key=name)["Body"].read() == b"theirs"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **kwargs):
        yield self.body


def test_a_server_without_conditional_puts_gets_a_plain_put_after_the_head(
    backend, s3, bucket, caplog
):
    """An older server answers 501 to ``If-None-Match`` (played by a hook that answers
    for it; without the header the request goes to the real server)."""
    refused = []

    def old_server(request, **kwargs):
        if request.method == "PUT" and "If-None-Match" in request.headers:
            refused.append(request.url)
            body = (
                b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>NotImplemented</Code>"
                b"<Message>A header you provided implies functionality that is not "
                b"implemented</Message></Error>"
            )
            return AWSResponse(request.url, 501, {}, _Raw(body))
        return None

    backend.client.meta.events.register("before-send.s3.PutObject", old_server)
    backend.save(KEY, b"first")
    assert len(refused) == 1
    assert "refuses conditional PUTs" in caplog.text
    backend.save("iwaki/2026/01/05/b.wav", b"second")  # remembered: no second refusal
    assert len(refused) == 1
    with pytest.raises(FileExistsError):  # the HEAD still protects the first
        backend.save(KEY, b"overwrite")
    with backend.open(KEY) as file:
        assert file.read() == b"first"


def test_server_failures_are_os_errors_not_missing_recordings(s3_endpoint, aws_env):
    """A misnamed or removed bucket is a storage failure (an OSError, which the retention
    job retries), never a "missing recording" (which the player reports as such)."""
    missing = S3RecordingStorage(
        bucket="no-such-bucket-here", endpoint_url=s3_endpoint, region=REGION
    )
    for attempt in [
        lambda: missing.save(KEY, b"x"),
        lambda: missing.open(KEY),
        lambda: missing.delete(KEY),
    ]:
        with pytest.raises(RecordingStorageError, match="no-such-bucket-here") as excinfo:
            attempt()
        assert isinstance(excinfo.value, OSError)
        assert not isinstance(excinfo.value, FileNotFoundError)
    # A HEAD answer has no body, so it cannot say which is missing: the key or the bucket.
    assert missing.exists(KEY) is False


# --- configuration ------------------------------------------------------------------------


def test_local_is_the_default(settings, tmp_path):
    del settings.RECORDINGS_STORAGE
    settings.RECORDINGS_DIR = tmp_path
    assert isinstance(recording_storage(), LocalRecordingStorage)
    settings.RECORDINGS_STORAGE = "local"
    assert isinstance(recording_storage(), LocalRecordingStorage)


def test_s3_is_chosen_when_configured_one_client_per_configuration(s3_settings, bucket):
    storage = recording_storage()
    assert isinstance(storage, S3RecordingStorage)
    assert (storage.bucket, storage.prefix, storage.sse) == (bucket, "recordings/", True)
    assert recording_storage() is storage
    s3_settings.RECORDINGS_S3_SSE = False
    assert recording_storage() is not storage


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"RECORDINGS_S3_BUCKET": ""}, "RECORDINGS_S3_BUCKET is empty"),
        ({"RECORDINGS_STORAGE": "ftp"}, "RECORDINGS_STORAGE must be 'local' or 's3'"),
        ({"RECORDINGS_S3_PREFIX": "../elsewhere"}, "RECORDINGS_S3_PREFIX"),
    ],
)
def test_misconfiguration_is_improperly_configured_at_first_use(
    s3_settings, iwaki, changes, message
):
    for name, value in changes.items():
        setattr(s3_settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        recording_storage()
    call = Call.objects.create(
        center=iwaki, dialed_number=iwaki.numbers.first().e164, arrived_at=STARTED
    )
    with pytest.raises(ImproperlyConfigured, match=message):
        recording_store(
            call=call, data=wav_bytes(), started_at=STARTED, ended_at=ENDED, notice_played=True
        )
    assert Recording.objects.count() == 0


# --- the recordings services on S3 --------------------------------------------------------


def test_store_open_and_purge_through_the_services(s3_settings, s3, bucket, iwaki, audit_trail):
    data = wav_bytes(2.0)
    call = Call.objects.create(
        center=iwaki, dialed_number=iwaki.numbers.first().e164, arrived_at=STARTED
    )
    recording = recording_store(
        call=call, data=data, started_at=STARTED, ended_at=ENDED, notice_played=True
    )
    name = f"recordings/{recording.storage_key}"
    assert object_keys(s3, bucket) == [name]
    assert s3.get_object(Bucket=bucket, Key=name)["Body"].read() == data
    assert not s3_settings.RECORDINGS_DIR.exists()

    with recording_open(actor=None, recording=recording) as file:
        assert file.read() == data
    assert audit_trail.actions() == ["calls.recording.stored", "calls.recording.played"]

    # The hash check applies to objects as to files: a changed object is not served.
    s3.delete_object(Bucket=bucket, Key=name)
    s3.put_object(Bucket=bucket, Key=name, Body=data[:-2] + b"\x01\x00")
    with pytest.raises(CallsError, match="改ざんの可能性"):
        recording_open(actor=None, recording=recording)
    s3.delete_object(Bucket=bucket, Key=name)
    with pytest.raises(CallsError, match="見つかりません"):
        recording_open(actor=None, recording=recording)
    s3.put_object(Bucket=bucket, Key=name, Body=data)

    deadline = ENDED + timedelta(days=90)
    assert recordings_purge(now=deadline - timedelta(seconds=1)).deleted == 0
    assert object_keys(s3, bucket) == [name]
    report = recordings_purge(now=deadline)
    assert (report.deleted, report.failed) == (1, [])
    assert object_keys(s3, bucket) == []
    recording.refresh_from_db()
    assert recording.deleted_at == deadline


def test_purge_retries_a_recording_whose_object_could_not_be_deleted(s3_settings, s3, iwaki):
    call = Call.objects.create(
        center=iwaki, dialed_number=iwaki.numbers.first().e164, arrived_at=STARTED
    )
    recording = recording_store(
        call=call, data=wav_bytes(), started_at=STARTED, ended_at=ENDED, notice_played=False
    )
    s3_settings.RECORDINGS_S3_BUCKET = "bucket-that-went-away"  # the server refuses: 404
    report = recordings_purge(now=ENDED + timedelta(days=90))
    assert (report.deleted, report.failed) == (0, [str(recording.pk)])
    recording.refresh_from_db()
    assert recording.deleted_at is None
