"""SMS backends for the reminder tests: one that refuses every message (a provider that is down)."""

from core.sms import SmsError

ATTEMPTS = []


class FailingSmsBackend:
    def send(self, phone, text):
        ATTEMPTS.append(phone)
        raise SmsError("短信服务商无响应（测试）")
