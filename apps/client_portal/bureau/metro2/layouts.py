"""Field layouts of the Metro 2 records and segments.

Each layout is a sequence of ``(name, kind, length)`` in file order; names are
the Credit Reporting Resource Guide's in camelCase (as the sample files' JSON
twins use them). Kinds:

- ``A`` alphanumeric, right-padded with blanks (read right-trimmed);
- ``N`` unsigned whole number, zero-filled (a blank non-required field reads 0);
- ``D`` date MMDDYYYY (zeros or blanks: no date); ``T`` time stamp MMDDYYYYHHMMSS;
- ``P`` packed number (big-endian binary); ``PD`` / ``PT`` packed date / time
  stamp (0x00, the MMDDYYYY[HHMMSS] number in big-endian binary, 0x73);
- ``X`` reserved: skipped, never checked.

The character and packed formats share field order; only the widths (and the
kinds) of numbers and dates differ. The record descriptor word (and, in
blocked files, the block descriptor word) precede the fields and are read by
the reader itself. The field lists were written from the public layout of the
format (the CRRG summary); the widths are checked by ``tests/bureau`` against
the record lengths 426 (character) and 366 (packed).
"""

CHARACTER_RECORD = 426
PACKED_RECORD = 366
MAX_RECORD = 65_535


def _base(packed: bool):
    n9 = ("P", 5) if packed else ("N", 9)
    date = ("PD", 5) if packed else ("D", 8)
    return (
        ("processingIndicator", "N", 1),
        ("timeStamp", *(("PT", 8) if packed else ("T", 14))),
        ("correctionIndicator", "N", 1),
        ("identificationNumber", "A", 20),
        ("cycleIdentifier", "A", 2),
        ("consumerAccountNumber", "A", 30),
        ("portfolioType", "A", 1),
        ("accountType", "A", 2),
        ("dateOpened", *date),
        ("creditLimit", *n9),
        ("highestCredit", *n9),
        ("termsDuration", "A", 3),
        ("termsFrequency", "A", 1),
        ("scheduledMonthlyPaymentAmount", *n9),
        ("actualPaymentAmount", *n9),
        ("accountStatus", "A", 2),
        ("paymentRating", "A", 1),
        ("paymentHistoryProfile", "A", 24),
        ("specialComment", "A", 2),
        ("complianceConditionCode", "A", 2),
        ("currentBalance", *n9),
        ("amountPastDue", *n9),
        ("originalChargeOffAmount", *n9),
        ("dateAccountInformation", *date),
        ("dateFirstDelinquency", *date),
        ("dateClosed", *date),
        ("dateLastPayment", *date),
        ("interestTypeIndicator", "A", 1),
        ("reserved2", "X", 17),
        ("surname", "A", 25),
        ("firstName", "A", 20),
        ("middleName", "A", 20),
        ("generationCode", "A", 1),
        ("socialSecurityNumber", *n9),
        ("dateBirth", *date),
        ("telephoneNumber", *(("P", 6) if packed else ("N", 10))),
        ("ecoaCode", "A", 1),
        ("consumerInformationIndicator", "A", 2),
        ("countryCode", "A", 2),
        ("firstLineAddress", "A", 32),
        ("secondLineAddress", "A", 32),
        ("city", "A", 20),
        ("state", "A", 2),
        ("zipCode", "A", 9),
        ("addressIndicator", "A", 1),
        ("residenceCode", "A", 1),
    )


def _header(packed: bool):
    return (
        ("recordIdentifier", "A", 6),
        ("cycleIdentifier", "A", 2),
        ("innovisProgramIdentifier", "A", 10),
        ("equifaxProgramIdentifier", "A", 10),
        ("experianProgramIdentifier", "A", 5),
        ("transUnionProgramIdentifier", "A", 10),
        ("activityDate", "D", 8),
        ("dateCreated", "D", 8),
        ("programDate", "D", 8),
        ("programRevisionDate", "D", 8),
        ("reporterName", "A", 40),
        ("reporterAddress", "A", 96),
        ("reporterTelephoneNumber", "N", 10),
        ("softwareVendorName", "A", 40),
        ("softwareVersionNumber", "A", 5),
        ("prbcProgramIdentifier", "A", 10),
        ("reserved", "X", 86 if packed else 146),
    )


# The trailer's totals, in file order (after totalBaseRecords and a reserved field).
TRAILER_TOTALS = (
    "totalStatusCodeDF", "totalConsumerSegmentsJ1", "totalConsumerSegmentsJ2", "blockCount",
    "totalStatusCodeDA", "totalStatusCode05", "totalStatusCode11", "totalStatusCode13",
    "totalStatusCode61", "totalStatusCode62", "totalStatusCode63", "totalStatusCode64",
    "totalStatusCode65", "totalStatusCode71", "totalStatusCode78", "totalStatusCode80",
    "totalStatusCode82", "totalStatusCode83", "totalStatusCode84", "totalStatusCode88",
    "totalStatusCode89", "totalStatusCode93", "totalStatusCode94", "totalStatusCode95",
    "totalStatusCode96", "totalStatusCode97", "totalECOACodeZ", "totalEmploymentSegments",
    "totalOriginalCreditorSegments", "totalPurchasedToSegments",
    "totalMortgageInformationSegments", "totalPaymentInformationSegments",
    "totalChangeSegments", "totalSocialNumbersAllSegments", "totalSocialNumbersBaseSegments",
    "totalSocialNumbersJ1Segments", "totalSocialNumbersJ2Segments",
    "totalDatesBirthAllSegments", "totalDatesBirthBaseSegments", "totalDatesBirthJ1Segments",
    "totalDatesBirthJ2Segments", "totalTelephoneNumbersAllSegments",
)


def _trailer(packed: bool):
    num = ("P", 5) if packed else ("N", 9)
    return (
        ("recordIdentifier", "A", 7),
        ("totalBaseRecords", *num),
        ("reserved1", "X", num[1]),
        *((name, *num) for name in TRAILER_TOTALS),
        ("reserved2", "X", 135 if packed else 19),
    )


_J = (
    ("segmentIdentifier", "A", 2),
    ("reserved1", "X", 1),
    ("surname", "A", 25),
    ("firstName", "A", 20),
    ("middleName", "A", 20),
    ("generationCode", "A", 1),
    ("socialSecurityNumber", "N", 9),
    ("dateBirth", "D", 8),
    ("telephoneNumber", "N", 10),
    ("ecoaCode", "A", 1),
    ("consumerInformationIndicator", "A", 2),
)

SEGMENTS = {
    "J1": _J + (("reserved2", "X", 1),),
    "J2": _J + (
        ("countryCode", "A", 2),
        ("firstLineAddress", "A", 32),
        ("secondLineAddress", "A", 32),
        ("city", "A", 20),
        ("state", "A", 2),
        ("zipCode", "A", 9),
        ("addressIndicator", "A", 1),
        ("residenceCode", "A", 1),
        ("reserved2", "X", 2),
    ),
    "K1": (
        ("segmentIdentifier", "A", 2),
        ("originalCreditorName", "A", 30),
        ("creditorClassification", "N", 2),
    ),
    "K2": (
        ("segmentIdentifier", "A", 2),
        ("purchasedIndicator", "N", 1),
        ("purchasedName", "A", 30),
        ("reserved", "X", 1),
    ),
    "K3": (
        ("segmentIdentifier", "A", 2),
        ("agencyIdentifier", "N", 2),
        ("accountNumber", "A", 18),
        ("mortgageIdentificationNumber", "A", 18),
    ),
    "K4": (
        ("segmentIdentifier", "A", 2),
        ("specializedPaymentIndicator", "N", 2),
        ("deferredPaymentStartDate", "D", 8),
        ("balloonPaymentDueDate", "D", 8),
        ("balloonPaymentAmount", "N", 9),
        ("reserved", "X", 1),
    ),
    "L1": (
        ("segmentIdentifier", "A", 2),
        ("changeIndicator", "N", 1),
        ("newConsumerAccountNumber", "A", 30),
        ("newIdentificationNumber", "A", 20),
        ("reserved", "X", 1),
    ),
    "N1": (
        ("segmentIdentifier", "A", 2),
        ("employerName", "A", 30),
        ("firstLineEmployerAddress", "A", 32),
        ("secondLineEmployerAddress", "A", 32),
        ("employerCity", "A", 20),
        ("employerState", "A", 2),
        ("zipCode", "A", 9),
        ("occupation", "A", 18),
        ("reserved", "X", 1),
    ),
}
# Segments that may repeat in one base record (J1 and J2: up to four each by the guide).
REPEATING = {"J1", "J2"}

BASE = {False: _base(False), True: _base(True)}
HEADER = {False: _header(False), True: _header(True)}
TRAILER = {False: _trailer(False), True: _trailer(True)}


def width(layout) -> int:
    return sum(length for _name, _kind, length in layout)
