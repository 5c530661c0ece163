import pytest
from django.core.exceptions import ValidationError

from apps.client_portal.bureau.identifiers import (
    idnp_check_digit,
    validate_idno,
    validate_idnp,
    validate_ssn,
)

# Check digits worked out by hand: weights 7,3,1 repeated over the first twelve digits.
# 200100000000x: 2*7 + 0*3 + 0*1 + 1*7 = 21 -> 1
VALID_IDNP = "2001000000001"


def test_check_digit_by_hand():
    assert idnp_check_digit("200100000000") == "1"
    # 0971234567890x: 0*7+9*3+7*1+1*7+2*3+3*1+4*7+5*3+6*1+7*7+8*3+9*1 = 181 -> 1
    assert idnp_check_digit("097123456789") == "1"


def test_valid_idnp_compacted():
    assert validate_idnp(VALID_IDNP) == VALID_IDNP
    assert validate_idnp(" 2001 0000 00001 ") == VALID_IDNP
    assert validate_idnp("0971234567891") == "0971234567891"


@pytest.mark.parametrize("value,code", [
    ("2001000000002", "idnp_checksum"),
    ("200100000000", "idnp_length"),
    ("20010000000011", "idnp_length"),
    ("20010000000A1", "idnp_format"),
    ("", "idnp_format"),
    ("٢٠٠١٠٠٠٠٠٠٠٠١", "idnp_format"),  # non-ASCII digits
])
def test_invalid_idnp(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_idnp(value)
    assert exc.value.code == code


def test_every_wrong_check_digit_is_refused():
    for digit in "0123456789":
        candidate = "200100000000" + digit
        if digit == "1":
            assert validate_idnp(candidate) == candidate
        else:
            with pytest.raises(ValidationError):
                validate_idnp(candidate)


def test_idno():
    assert validate_idno("1008600038413") == "1008600038413"
    with pytest.raises(ValidationError) as exc:
        validate_idno("1008600038412")
    assert exc.value.code == "idno_checksum"
    with pytest.raises(ValidationError) as exc:
        validate_idno("10086")
    assert exc.value.code == "idno_format"


def test_ssn():
    assert validate_ssn("123-45-6789") == "123456789"
    with pytest.raises(ValidationError):
        validate_ssn("12345678")
