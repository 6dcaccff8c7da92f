# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Exceptions of the KKT driver, each telling whether a later retry can help.

Device error codes map to one of two kinds: retry later, or a person must act.
"""


class KktError(Exception):
    """Base of every driver error.

    ``retryable`` is True when the same call may succeed later without anybody
    touching the device (busy, still printing, link down, timeout); False when a
    person must act first (close the shift, replace the FN, load paper...).
    """

    retryable = False

    def __init__(self, message, message_ru=None):
        super().__init__(message)
        self.message = message
        self.message_ru = message_ru or message


class LinkError(KktError):
    """The bytes did not get through: no answer, timeout, broken frames."""

    retryable = True


class FrameError(LinkError):
    """A frame is malformed: wrong start byte, length or checksum."""


class NeedsPersonError(KktError):
    """The device is in a state that only a person can change (shift, paper...)."""


RETRY = True
PERSON = False

# code: (kind, what happened, what to do, what happened (ru), what to do (ru))
DEVICE_ERRORS = {
    0x01: (
        PERSON,
        "the FN refused an unknown command or bad parameters",
        "check the device firmware and the driver settings",
        "ФН отклонил неизвестную команду или неверные параметры",
        "проверьте прошивку ККТ и настройки драйвера",
    ),
    0x02: (
        PERSON,
        "the FN is in the wrong state for this command",
        "check the FN state in the device service menu",
        "ФН в неподходящем состоянии для этой команды",
        "проверьте состояние ФН в сервисном меню ККТ",
    ),
    0x03: (
        PERSON,
        "the FN failed",
        "call the service centre to replace the FN",
        "сбой ФН",
        "обратитесь в сервисный центр для замены ФН",
    ),
    0x04: (
        PERSON,
        "the FN crypto coprocessor failed",
        "call the service centre to replace the FN",
        "сбой криптографического сопроцессора ФН",
        "обратитесь в сервисный центр для замены ФН",
    ),
    0x05: (
        PERSON,
        "the FN lifetime is over",
        "replace the FN",
        "срок эксплуатации ФН истёк",
        "замените ФН",
    ),
    0x07: (
        PERSON,
        "the date or time is wrong",
        "set the device clock",
        "неверные дата или время",
        "установите часы ККТ",
    ),
    0x08: (
        PERSON,
        "the FN has no such data",
        "check the requested document number",
        "в ФН нет запрошенных данных",
        "проверьте номер запрошенного документа",
    ),
    0x09: (
        PERSON,
        "a parameter value is invalid",
        "check the receipt data",
        "неверное значение параметра",
        "проверьте данные чека",
    ),
    0x10: (
        PERSON,
        "the TLV data is too large",
        "shorten the receipt texts",
        "превышен размер данных TLV",
        "сократите тексты чека",
    ),
    0x11: (
        RETRY,
        "there is no connection to the OFD",
        "check the device network; the call is retried",
        "нет транспортного соединения с ОФД",
        "проверьте сеть ККТ; вызов будет повторён",
    ),
    0x12: (
        PERSON,
        "the FN resource is exhausted",
        "close the fiscal mode and replace the FN",
        "исчерпан ресурс ФН",
        "закройте фискальный режим и замените ФН",
    ),
    0x14: (
        PERSON,
        "documents were not sent to the OFD for 30 days and the FN is blocked",
        "restore the OFD connection and wait until the documents are sent",
        "документы не передавались в ОФД 30 дней, ФН заблокирован",
        "восстановите связь с ОФД и дождитесь передачи документов",
    ),
    0x16: (
        PERSON,
        "the shift is open for more than 24 hours",
        "close the shift with a Z report, then open a new one",
        "смена открыта более 24 часов",
        "закройте смену Z-отчётом и откройте новую",
    ),
    0x17: (
        PERSON,
        "the device clock differs from the FN clock by more than 5 minutes",
        "set the device clock",
        "время ККТ отличается от времени ФН более чем на 5 минут",
        "установите часы ККТ",
    ),
    0x20: (
        RETRY,
        "the FN cannot accept the OFD message now",
        "the call is retried",
        "ФН не может принять сообщение ОФД",
        "вызов будет повторён",
    ),
    0x2F: (
        RETRY,
        "the FN did not answer in time",
        "the call is retried; if it repeats, restart the device",
        "тайм-аут обмена с ФН",
        "вызов будет повторён; если ошибка повторяется, перезапустите ККТ",
    ),
    0x30: (
        RETRY,
        "the FN does not respond",
        "the call is retried; if it repeats, restart the device",
        "ФН не отвечает",
        "вызов будет повторён; если ошибка повторяется, перезапустите ККТ",
    ),
    0x33: (
        PERSON,
        "the command parameters are incorrect",
        "check the receipt data and the device model",
        "некорректные параметры команды",
        "проверьте данные чека и модель ККТ",
    ),
    0x37: (
        PERSON,
        "the command is not supported by this device",
        "check the device model and firmware",
        "команда не поддерживается этой ККТ",
        "проверьте модель и прошивку ККТ",
    ),
    0x3C: (
        PERSON,
        "the shift is open",
        "close the shift first",
        "смена открыта, операция невозможна",
        "сначала закройте смену",
    ),
    0x3D: (
        PERSON,
        "the shift is not open",
        "open the shift",
        "смена не открыта, операция невозможна",
        "откройте смену",
    ),
    0x45: (
        PERSON,
        "the payments are less than the receipt total",
        "check the order payments",
        "сумма оплат меньше итога чека",
        "проверьте оплаты заказа",
    ),
    0x46: (
        PERSON,
        "there is not enough cash in the drawer",
        "check the cash amounts",
        "не хватает наличности в кассе",
        "проверьте суммы наличных",
    ),
    0x4A: (
        PERSON,
        "a receipt is open",
        "finish or cancel the open receipt",
        "открыт чек, операция невозможна",
        "завершите или аннулируйте открытый чек",
    ),
    0x4B: (
        PERSON,
        "the receipt buffer is full",
        "split the order into smaller receipts",
        "буфер чека переполнен",
        "разбейте заказ на несколько чеков",
    ),
    0x4E: (
        PERSON,
        "the shift is open for more than 24 hours",
        "close the shift with a Z report, then open a new one",
        "смена превысила 24 часа",
        "закройте смену Z-отчётом и откройте новую",
    ),
    0x4F: (
        PERSON,
        "the password is wrong",
        "fix the operator and administrator passwords in the device settings",
        "неверный пароль",
        "исправьте пароли оператора и администратора в настройках ККТ",
    ),
    0x50: (
        RETRY,
        "the device is still printing the previous document",
        "the call is retried",
        "идёт печать предыдущего документа",
        "вызов будет повторён",
    ),
    0x55: (
        PERSON,
        "no receipt is open",
        "retry the whole receipt",
        "чек закрыт, операция невозможна",
        "повторите чек целиком",
    ),
    0x58: (
        RETRY,
        "the device waits for the continue-printing command",
        "the driver continues printing on the next call",
        "ККТ ожидает команду продолжения печати",
        "драйвер продолжит печать при следующем вызове",
    ),
    0x5E: (
        PERSON,
        "the operation is not allowed",
        "check the receipt data",
        "некорректная операция",
        "проверьте данные чека",
    ),
    0x6B: (
        PERSON,
        "the receipt paper is out",
        "load paper into the device",
        "нет чековой ленты",
        "заправьте чековую ленту",
    ),
    0x72: (
        PERSON,
        "the command is not allowed in the current submode",
        "check the paper and the printer of the device",
        "команда не поддерживается в данном подрежиме",
        "проверьте бумагу и принтер ККТ",
    ),
    0x73: (
        PERSON,
        "the command is not allowed in the current mode",
        "check the shift state of the device",
        "команда не поддерживается в данном режиме",
        "проверьте состояние смены ККТ",
    ),
    0x8E: (
        PERSON,
        "the receipt total is zero",
        "check the order lines",
        "нулевой итог чека",
        "проверьте строки заказа",
    ),
    0xC0: (
        PERSON,
        "the device waits for a date confirmation",
        "confirm the date on the device",
        "ККТ ожидает подтверждения даты",
        "подтвердите дату на ККТ",
    ),
    0xC8: (
        RETRY,
        "the device has lost the link with its printer",
        "the call is retried; if it repeats, check the printer cable",
        "нет связи с принтером",
        "вызов будет повторён; если ошибка повторяется, проверьте принтер",
    ),
}


class DeviceError(KktError):
    """The device answered a command with a non-zero error code.

    >>> error = DeviceError(0x4E, 0x8D, "KKT 1")
    >>> error.retryable, error.code, error.command
    (False, 78, 141)
    >>> error.message
    'KKT 1: the shift is open for more than 24 hours (error 4Eh on command 8Dh). \
Close the shift with a Z report, then open a new one.'
    >>> DeviceError(0x50, 0x10, "KKT 1").retryable
    True
    """

    def __init__(self, code, command, device_name="KKT"):
        kind, what, todo, what_ru, todo_ru = DEVICE_ERRORS.get(
            code,
            (
                PERSON,
                "the device reported an error",
                "check the device and the error code in its manual",
                "ККТ сообщила об ошибке",
                "проверьте ККТ и код ошибки по её руководству",
            ),
        )
        where = f"error {code:02X}h on command {command:02X}h"
        where_ru = f"ошибка {code:02X}h на команде {command:02X}h"
        super().__init__(
            f"{device_name}: {what} ({where}). {todo[0].upper()}{todo[1:]}.",
            f"{device_name}: {what_ru} ({where_ru}). "
            f"{todo_ru[0].upper()}{todo_ru[1:]}.",
        )
        self.code = code
        self.command = command
        self.retryable = kind
