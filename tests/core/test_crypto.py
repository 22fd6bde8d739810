from cryptography.fernet import Fernet

from core.crypto import pii_decrypt, pii_encrypt_many, pii_hash, pii_hash_many

VALUES = ["310101199001011234", "", "+86 138 0013 8000", "北京市朝阳区建国路1号，一个比十六个字节长得多的地址"]


def test_many_values_are_encrypted_as_fernet_tokens_of_the_first_key(settings):
    other = Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_KEYS = [other, *settings.PII_ENCRYPTION_KEYS]

    tokens = pii_encrypt_many(VALUES)

    assert tokens[1] == ""
    assert [Fernet(other.encode()).decrypt(token.encode()).decode() for token in tokens if token] == [
        value for value in VALUES if value]
    assert [pii_decrypt(token) for token in tokens] == VALUES


def test_the_same_value_twice_gives_two_different_tokens():
    first, second = pii_encrypt_many(["310101199001011234"] * 2)
    assert first != second


def test_many_lookup_hashes_are_those_of_one_value_at_a_time():
    assert pii_hash_many(VALUES) == [pii_hash(value) for value in VALUES]
    assert pii_hash_many(["+86 138 0013 8000"]) == pii_hash_many(["+8613800138000"])
