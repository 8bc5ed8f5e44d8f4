"""The kit's CRC-32C against kafka-python's own (pure Python) and the standard check value."""

from __future__ import annotations

import random

import pytest
from kafka.record import _crc32c as kafka_crc32c
from kafka.record import default_records

from linli.common import crc32c


def test_standard_check_value() -> None:
    assert crc32c.crc32c(b"123456789") == 0xE3069283  # the CRC-32C catalogue's check value


@pytest.mark.parametrize("size", [0, 1, 3, 4, 5, 7, 8, 61, 1000, 4099])
def test_equals_kafka_pythons_checksum_for_every_length(size: int) -> None:
    data = random.Random(size).randbytes(size)
    assert crc32c.crc32c(data) == kafka_crc32c.crc(data)
    assert crc32c.crc32c(bytearray(data)) == kafka_crc32c.crc(data)


def test_a_memoryview_slice_as_kafka_python_passes_it() -> None:
    buffer = bytearray(random.Random(7).randbytes(301))
    view = memoryview(buffer)[21:]  # the batch from its attributes field on
    assert crc32c.crc32c(view) == kafka_crc32c.crc(bytes(buffer[21:]))


def test_continuing_a_checksum() -> None:
    data = random.Random(3).randbytes(1001)
    assert crc32c.crc32c(data[500:], crc32c.crc32c(data[:500])) == crc32c.crc32c(data)


def test_install_makes_record_batches_use_it_and_they_still_verify() -> None:
    assert crc32c.install()
    assert default_records.calc_crc32c is crc32c.crc32c
    builder = default_records.DefaultRecordBatchBuilder(
        magic=2, compression_type=0, is_transactional=False, producer_id=-1, producer_epoch=-1,
        base_sequence=-1, batch_size=1 << 20)
    for n in range(20):
        builder.append(n, timestamp=1_700_000_000_000 + n, key=f"k{n}".encode(), value=b"v" * n, headers=[])
    batch = default_records.DefaultRecordBatch(bytes(builder.build()))
    assert batch.validate_crc()
    assert [record.value for record in batch] == [b"v" * n for n in range(20)]
