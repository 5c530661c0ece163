"""The Metro 2 reader against the public sample corpus and the project's own generator."""

import io
import json
from pathlib import Path

import pytest

from apps.client_portal.bureau.metro2 import Metro2Error, read, read_file_json, writer
from apps.client_portal.bureau.metro2.layouts import (
    BASE,
    CHARACTER_RECORD,
    HEADER,
    PACKED_RECORD,
    SEGMENTS,
    TRAILER,
    width,
)
from apps.client_portal.bureau.metro2.reader import as_json, read_base

CORPUS = Path(__file__).parent / "metro2_corpus"
TWINS = ["unpacked_fixed_file", "unpacked_variable_file", "packed_file"]


def differences(mine, twin, path=""):
    """Where ``mine`` differs from the twin. The twins leave out empty fields (blank
    text, zero, no date): a field absent from the twin must be empty in ``mine``."""
    out = []
    if isinstance(twin, dict):
        for key, value in twin.items():
            if key not in mine:
                out.append(f"{path}.{key}: missing")
            else:
                out += differences(mine[key], value, f"{path}.{key}")
        out += [f"{path}.{key}: {value!r} not in the twin" for key, value in mine.items()
                if key not in twin and value not in ("", 0, None, [], {})]
    elif isinstance(twin, list):
        if len(mine) != len(twin):
            out.append(f"{path}: {len(mine)} items, twin {len(twin)}")
        for i, (a, b) in enumerate(zip(mine, twin, strict=False)):
            out += differences(a, b, f"{path}[{i}]")
    elif mine != twin:
        out.append(f"{path}: {mine!r} != {twin!r}")
    return out


def test_layout_widths():
    assert 4 + width(BASE[False]) == 4 + width(HEADER[False]) == 4 + width(TRAILER[False]) \
        == CHARACTER_RECORD
    assert 4 + width(BASE[True]) == 4 + width(HEADER[True]) == 4 + width(TRAILER[True]) \
        == PACKED_RECORD
    assert {k: width(v) for k, v in SEGMENTS.items()} == {
        "J1": 100, "J2": 200, "K1": 34, "K2": 34, "K3": 40, "K4": 30, "L1": 54, "N1": 146}


@pytest.mark.parametrize("name", TWINS)
def test_sample_reads_as_its_twin(name):
    mine = read_file_json(io.BytesIO((CORPUS / f"{name}.dat").read_bytes()))
    twin = json.loads((CORPUS / f"{name}.json").read_text())
    assert differences(mine, twin) == []
    assert len(mine["data"]) == len(twin["data"]) >= 1


def test_base_segment_reads_as_its_twin():
    mine = as_json(read_base((CORPUS / "base_segment.dat").read_bytes()))
    twin = json.loads((CORPUS / "base_segment.json").read_text())
    assert differences(mine, twin) == []
    assert len(mine["j2"]) == 2 and mine["k4"]["balloonPaymentAmount"] == 1234


def test_packed_base_segment_reads():
    record = read_base((CORPUS / "packed_base_segment.dat").read_bytes())
    assert record.fields["blockDescriptorWord"] == 1110
    assert record.fields["recordDescriptorWord"] == 1106
    assert record.fields["consumerAccountNumber"] == "553723456"
    assert as_json(record)["base"]["dateOpened"] == "2019-11-22T00:00:00Z"


@pytest.mark.parametrize("name", ["j1", "j2", "k1", "k2", "k3", "k4", "l1", "n1"])
def test_segment_samples_read(name):
    from apps.client_portal.bureau.metro2.reader import _read_segments
    data = (CORPUS / f"{name}_segment.dat").read_bytes().replace(b"\n", b"")
    segments = _read_segments(data, 0, 1)
    assert list(segments) == [name]
    one = segments[name][0] if isinstance(segments[name], list) else segments[name]
    assert one["segmentIdentifier"] == name.upper()


def test_request_file_reads():
    data = read_file_json(io.BytesIO((CORPUS / "unpacked_fixed_request.dat").read_bytes()))
    assert len(data["data"]) == 1
    assert data["trailer"]["totalBaseRecords"] == 1


@pytest.mark.parametrize("path", sorted((CORPUS / "bad").glob("*.dat")), ids=lambda p: p.name)
def test_bad_samples_are_refused_naming_record_and_field(path):
    with pytest.raises(Metro2Error) as exc:
        read_file_json(io.BytesIO(path.read_bytes()))
    err = exc.value
    assert err.record >= 1 and err.field and err.reason
    assert f"record {err.record}" in str(err) and err.field in str(err)
    assert set(err.as_dict()) == {"record", "field", "value", "message"}


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("blocked", [False, True])
def test_generator_round_trip(packed, blocked):
    accounts = [writer.sample_account(i) for i in range(4)]
    accounts[1].update(accountStatus="13", paymentRating="0", specialComment="AS",
                       complianceConditionCode="XA", ecoaCode="Z")
    segments = {"j1": [{"surname": "CO", "firstName": "SIGNER", "ecoaCode": "2",
                        "socialSecurityNumber": 123456789}],
                "k1": {"originalCreditorName": "EXAMPLE ORIGINAL", "creditorClassification": 1},
                "l1": {"changeIndicator": 1, "newConsumerAccountNumber": "NEW1"}}
    data = writer.write(accounts, packed=packed, blocked=blocked,
                        segments_of=lambda a: segments if a is accounts[1] else {})
    records = list(read(io.BytesIO(data)))
    assert [r.kind for r in records] == ["header"] + ["base"] * 4 + ["trailer"]
    second = records[2]
    for key in ("consumerAccountNumber", "dateOpened", "currentBalance", "timeStamp",
                "paymentRating", "ecoaCode", "socialSecurityNumber"):
        assert second.fields[key] == accounts[1][key], key
    assert second.segments["j1"][0]["socialSecurityNumber"] == 123456789
    assert second.segments["l1"]["newConsumerAccountNumber"] == "NEW1"
    trailer = records[-1].fields
    assert trailer["totalStatusCode13"] == 1 and trailer["totalECOACodeZ"] == 1
    assert trailer["totalConsumerSegmentsJ1"] == 1 and trailer["blockCount"] == 6


def test_line_breaks_between_records_are_ignored():
    data = b"\r\n".join(writer.iter_records([writer.sample_account(i) for i in range(3)]))
    assert len(read_file_json(io.BytesIO(data))["data"]) == 3


@pytest.mark.parametrize("defect", writer.DEFECTS)
def test_broken_files_are_refused_with_record_and_field(defect):
    data, record, field = writer.broken(defect)
    with pytest.raises(Metro2Error) as exc:
        list(read(io.BytesIO(data)))
    assert (exc.value.record, exc.value.field) == (record, field), str(exc.value)


def test_stream_reads_record_by_record_and_stops_at_the_first_fault():
    data, _record, _field = writer.broken("bad_amount", records=5)
    seen = []
    with pytest.raises(Metro2Error):
        for record in read(io.BytesIO(data)):
            seen.append(record.number)
    assert seen == [1, 2, 3, 4, 5]  # header and four good records came out before the fault


def test_size_limit():
    data = writer.write([writer.sample_account(i) for i in range(50)])
    with pytest.raises(Metro2Error) as exc:
        list(read(io.BytesIO(data), max_bytes=4096))
    assert exc.value.field == "file" and "limit" in exc.value.reason


def test_not_a_metro2_file():
    with pytest.raises(Metro2Error) as exc:
        list(read(io.BytesIO(b"name,amount\nx,1\n" * 10)))
    assert exc.value.record == 1 and "HEADER" in exc.value.reason


def test_missing_trailer_and_data_after_trailer():
    pieces = list(writer.iter_records([writer.sample_account(0)]))
    with pytest.raises(Metro2Error) as exc:
        list(read(io.BytesIO(b"".join(pieces[:-1]))))
    assert "trailer" in exc.value.reason
    with pytest.raises(Metro2Error) as exc:
        list(read(io.BytesIO(b"".join(pieces) + b"GARBAGE")))
    assert exc.value.record == 4 and "after the trailer" in exc.value.reason


def test_packed_block_word_at_the_cap_is_bounded():
    """A packed word can say 65,535 at most; a file claiming that much but ending
    early is refused as cut short, never read past its end."""
    pieces = list(writer.iter_records([writer.sample_account(0)], packed=True, blocked=True))
    base = bytearray(pieces[1])
    base[0:4] = (65535).to_bytes(2, "big") + b"\x00\x00"
    with pytest.raises(Metro2Error) as exc:
        list(read(io.BytesIO(pieces[0] + bytes(base) + pieces[2])))
    assert exc.value.record == 2 and "cut short" in exc.value.reason
