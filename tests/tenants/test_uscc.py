import pytest
from django.core.exceptions import ValidationError

from tenants.uscc import check_character, validate_uscc


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", "91330100MA2H3K7X47"])
def test_valid_codes_pass(code):
    validate_uscc(code)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y44", "uscc_check"),  # one wrong check character
        ("91350100M000100Y4", "uscc_format"),  # 17 characters
        ("91350100M0001O0Y43", "uscc_format"),  # letter O is not in the alphabet
        ("9135AB00M000100Y43", "uscc_format"),  # division code must be digits
        ("91350100m000100y43", "uscc_format"),  # lower case
    ],
)
def test_invalid_codes_are_refused_with_a_reason(code, error):
    with pytest.raises(ValidationError) as refused:
        validate_uscc(code)
    assert refused.value.code == error


def test_check_character_can_be_zero():
    # given a body whose weighted sum is a multiple of 31, the check value 31 wraps to "0"
    body = next(f"9111000010000{n:04d}" for n in range(10000) if check_character(f"9111000010000{n:04d}") == "0")
    # then
    validate_uscc(body + "0")
