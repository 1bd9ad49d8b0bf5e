"""Realistic, seeded CSV files for the import benchmarks, written as a stream (constant
memory, whatever the sizes).

    python benchmarks/gen_import_data.py --leads 1000000 --touchpoints 10000000 --seed 1 --out DIR

writes DIR/leads.csv (the generic preset's columns) and DIR/touchpoints.csv. Every value of
lead number i is a function of (seed, i), so the touchpoints file can name lead i's email
and stay after its creation time without keeping the leads in memory, and `--first-lead`
writes further leads that are new to a database holding the first N.

What the data looks like:
- one company per eight leads (at least 50), so accounts dedupe: 80% of leads write from
  their company's domain, the rest from free-mail addresses while naming the company;
- names, titles, countries (mostly ISO codes, some spelled out), industries, company sizes,
  sources, campaigns with UTM tags, consent, a stated need for some, created_at spread
  over the two years before `--end`;
- about a sixth of the leads qualify under the starter definition (a senior title at a
  large company in a target industry, with a phone and a need); the rest score below it;
- `--duplicates P` repeats P% of rows later in the file (same email, a newer title), and
  `--bad-rows P` spoils one cell in P% of rows (an email, a country, a size or a date).
"""

import argparse
import csv
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

M64 = (1 << 64) - 1
LEAD_COLUMNS = [
    "email", "external_id", "first_name", "last_name", "company", "title", "phone", "country", "region",
    "industry", "company_size", "source", "campaign", "utm_source", "utm_medium", "utm_campaign",
    "consent_email", "need", "stage", "owner", "created_at",
]  # fmt: skip
TOUCHPOINT_COLUMNS = ["external_id", "email", "type", "channel", "campaign", "occurred_at"]

FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Liam",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Will",
    "Xenia",
    "Yusuf",
    "Zoe",
    "Aiko",
    "Bruno",
    "Chloe",
    "Diego",
    "Emma",
    "Farah",
    "Gabriel",
    "Hana",
    "Ivan",
    "Julia",
    "Kenji",
    "Lucia",
    "Marco",
    "Nina",
    "Omar",
    "Priya",
    "Quinn",
    "Rafael",
    "Sofia",
    "Tomas",
    "Ulla",
    "Victor",
    "Wen",
    "Yara",
    "Zain",
    "Amelia",
    "Jake",
    "Lena",
    "Mateo",
    "Noor",
    "Oscar",
]
LAST = [
    "Smith",
    "Müller",
    "Garcia",
    "Rossi",
    "Dubois",
    "Jansen",
    "Nowak",
    "Silva",
    "Kim",
    "Tanaka",
    "Brown",
    "Schmidt",
    "Lopez",
    "Bianchi",
    "Martin",
    "Bakker",
    "Kowalski",
    "Santos",
    "Lee",
    "Suzuki",
    "Wilson",
    "Fischer",
    "Perez",
    "Romano",
    "Bernard",
    "Visser",
    "Wójcik",
    "Costa",
    "Park",
    "Sato",
    "Taylor",
    "Weber",
    "Sanchez",
    "Ricci",
    "Moreau",
    "Smit",
    "Kamińska",
    "Oliveira",
    "Chen",
    "Ito",
    "O'Brien",
    "Becker",
    "Gomez",
    "Greco",
    "Laurent",
    "Meijer",
    "Lewandowski",
    "Pereira",
    "Wang",
    "Yamamoto",
    "Andersson",
    "Nielsen",
    "Hansen",
    "Novak",
    "Horvat",
    "Popescu",
]
COMPANY_A = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Cyberdyne",
    "Aperture",
    "Tyrell",
    "Wonka",
    "Oscorp",
    "Nakatomi",
    "Gringotts",
    "Monarch",
    "Pied",
    "Massive",
    "Blue",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Proseware",
    "Adatum",
    "Lucerne",
    "Margie",
    "Wingtip",
    "Alpine",
    "Fourth",
    "Coho",
    "Trey",
    "Humongous",
    "Graphic",
    "Woodgrove",
    "Bluepeak",
    "Redwood",
    "Silverline",
]
COMPANY_B = [
    "Systems",
    "Labs",
    "Analytics",
    "Industries",
    "Logistics",
    "Health",
    "Capital",
    "Software",
    "Robotics",
    "Foods",
    "Energy",
    "Media",
    "Networks",
    "Dynamics",
    "Solutions",
    "Partners",
    "Bank",
    "Insurance",
    "Retail",
    "Pharma",
    "Motors",
    "Cloud",
    "Security",
    "Consulting",
]
TLDS = ("com", "io", "net", "co", "de", "fr", "co.uk", "nl", "com.br", "es")
FREE_MAIL = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "proton.me")
TARGET_INDUSTRIES = ("software", "financial services", "manufacturing", "healthcare")
OTHER_INDUSTRIES = ("retail", "education", "government", "media", "logistics", "energy", "telecom", "hospitality")
SENIOR_TITLES = (
    "VP Marketing", "VP of Sales", "VP Engineering", "Director of Operations", "Marketing Director",
    "Director, IT", "Senior Director Growth", "VP Finance",
)  # fmt: skip
OTHER_TITLES = (
    "Marketing Manager", "Software Engineer", "Head of Growth", "Head of Data", "Account Executive",
    "Analyst", "Operations Manager", "CFO", "CEO", "Founder", "Consultant", "Product Manager",
    "Sales Representative", "Designer", "IT Administrator", "Student", "Intern", "",
)  # fmt: skip
COUNTRIES = (
    ("US", 30), ("GB", 10), ("DE", 10), ("FR", 6), ("CA", 5), ("NL", 4), ("ES", 4), ("SE", 3), ("BR", 4),
    ("MX", 3), ("JP", 4), ("AU", 4), ("IN", 5), ("IT", 3), ("PL", 2), ("CH", 2), ("USA", 3),
    ("Germany", 2), ("UK", 1), ("", 5),
)  # fmt: skip
REGIONS = {"US": ("California", "New York", "Texas", "Washington", "Massachusetts"), "DE": ("Bayern", "Berlin")}
SOURCES = (
    ("website", 30), ("paid_search", 15), ("paid_social", 10), ("event", 8), ("webinar", 8), ("content", 10),
    ("referral", 6), ("partner", 5), ("list_import", 5), ("", 3),
)  # fmt: skip
CAMPAIGNS = tuple(f"{topic} {year}" for topic in ("Spring Launch", "Cloud Summit", "Pricing Guide", "ABM Tier 1",
    "Webinar Series", "Retargeting", "Partner Week", "Product Tour") for year in ("2025", "2026"))  # fmt: skip
UTM = (("google", "cpc"), ("linkedin", "paid_social"), ("newsletter", "email"), ("facebook", "paid_social"))
NEEDS = ("Replacing spreadsheets", "Evaluating vendors this quarter", "Needs lead routing", "Pipeline visibility")
STAGES = (("customer", 1), ("recycled", 1), ("sal", 1), ("", 97))
TOUCH_TYPES = (
    ("page_view", 450), ("email_open", 250), ("email_click", 100), ("ad_click", 60), ("form_fill", 50),
    ("content_download", 40), ("webinar", 20), ("event", 10), ("call", 10), ("demo_request", 2),
)  # fmt: skip
CHANNELS = {
    "page_view": "web", "email_open": "email", "email_click": "email", "ad_click": "paid", "form_fill": "web",
    "content_download": "web", "webinar": "event", "event": "event", "call": "sales", "demo_request": "web",
}  # fmt: skip


ASCII = str.maketrans({"ü": "u", "ó": "o", "ń": "n", "'": None})


def _weighted(pairs) -> tuple:
    """A table to pick from with one random number: each value repeated by its weight."""
    return tuple(value for value, weight in pairs for _ in range(weight))


COUNTRY_TABLE = _weighted(COUNTRIES)
SOURCE_TABLE = _weighted(SOURCES)
STAGE_TABLE = _weighted(STAGES)
TOUCH_TABLE = _weighted(TOUCH_TYPES)


class Draws:
    """Random numbers for one lead: 320 bits from hashing (seed, lead), spent a few at a time."""

    __slots__ = ("bits",)

    def __init__(self, seed: int, number: int):
        self.bits = (
            (hash((seed, number, 0)) & M64)
            | (hash((seed, number, 1)) & M64) << 64
            | (hash((seed, number, 2)) & M64) << 128
            | (hash((seed, number, 3)) & M64) << 192
            | (hash((seed, number, 4)) & M64) << 256
        )

    def below(self, n: int) -> int:
        self.bits, value = divmod(self.bits, n)
        return value

    def chance(self, p: float) -> bool:
        return self.below(100) < p * 100

    def pick(self, table):
        return table[self.below(len(table))]


def _timestamp(epoch: int, days: dict[int, str]) -> str:
    day, second = divmod(epoch, 86_400)
    hour, second = divmod(second, 3600)
    minute, second = divmod(second, 60)
    return f"{days[day]}T{hour:02d}:{minute:02d}:{second:02d}Z"


class Data:
    """Every value of lead i is a function of (seed, i) (Python's hash of a tuple of ints,
    which does not depend on PYTHONHASHSEED), so files with further leads can be written
    later; companies are a function of their number."""

    def __init__(self, *, seed: int, leads: int, end: datetime):
        self.seed = seed
        self.leads = leads
        self.companies = max(50, leads // 8)
        self.end = int(end.timestamp())
        self.span = 730 * 86_400
        self.start = self.end - self.span
        first_day = self.start // 86_400
        self.days = {
            first_day + n: (datetime.fromtimestamp(0, UTC) + timedelta(days=first_day + n)).strftime("%Y-%m-%d")
            for n in range(732)
        }

    # --- companies: 40% are the ideal profile (500+ people, a target industry) --------

    def company(self, c: int) -> tuple[str, str, str, int, str]:
        """(name, domain, industry, size, country)"""
        a, b = len(COMPANY_A), len(COMPANY_B)
        name = f"{COMPANY_A[c % a]} {COMPANY_B[(c // a) % b]}"
        if c >= a * b:
            name += f" {c // (a * b) + 1}"
        domain = name.lower().replace(" ", "") + "." + TLDS[c % len(TLDS)]
        draws = Draws(self.seed, -1 - c)
        if c % 5 < 2:
            industry = draws.pick(TARGET_INDUSTRIES)
            size = 500 + int(20_000 * (draws.below(1000) / 1000) ** 3)
        else:
            industry = draws.pick(OTHER_INDUSTRIES + TARGET_INDUSTRIES[:2])
            size = 1 + int(499 * (draws.below(1000) / 1000) ** 2)
        return name, domain, industry, size, draws.pick(COUNTRY_TABLE)

    def lead(self, i: int) -> list[str]:
        draws = Draws(self.seed, i)
        created_at = _timestamp(self.start + draws.below(self.span), self.days)
        hot = draws.chance(0.17)
        c = draws.below(self.companies)
        if hot and draws.chance(0.8):
            c -= c % 5  # the first of its group of five: an ideal-profile company
        name, domain, industry, size, company_country = self.company(c)
        first, last = draws.pick(FIRST), draws.pick(LAST)
        local = f"{first}.{last}".lower().translate(ASCII) + f".{i:x}"
        free = not hot and draws.chance(0.24)
        email = f"{local}@{draws.pick(FREE_MAIL) if free else domain}"
        country = company_country if draws.chance(0.7) else draws.pick(COUNTRY_TABLE)
        title = draws.pick(SENIOR_TITLES) if hot or draws.chance(0.15) else draws.pick(OTHER_TITLES)
        campaign = draws.pick(CAMPAIGNS) if draws.chance(0.6) else ""
        utm_source, utm_medium = draws.pick(UTM) if campaign else ("", "")
        return [
            email if draws.chance(0.95) else email.capitalize(),
            f"crm-{i:08d}" if draws.chance(0.3) else "",
            first if hot or draws.chance(0.97) else "",
            last if hot or draws.chance(0.95) else "",
            name if not free or draws.chance(0.7) else "",
            title,
            f"+1 555 {draws.below(10_000_000):07d}" if hot or draws.chance(0.5) else "",
            country,
            draws.pick(REGIONS[country]) if country in REGIONS and draws.chance(0.5) else "",
            industry if draws.chance(0.9) else "",
            str(size) if draws.chance(0.9) else "",
            draws.pick(SOURCE_TABLE),
            campaign,
            utm_source,
            utm_medium,
            campaign.lower().replace(" ", "_"),
            draws.pick(("yes", "no", "", "true")),
            draws.pick(NEEDS) if hot or draws.chance(0.3) else "",
            draws.pick(STAGE_TABLE),
            "",
            created_at,
        ]

    def touchpoints(self, count: int):
        """Rows over leads 0..N-1, in one seeded stream. Each lead's email and creation time
        are kept while writing (about 100 bytes a lead); activity is skewed, so a third of
        the leads get most of the touchpoints, and each comes after its lead's creation."""
        import random
        from array import array

        emails, created = [], array("q")
        for i in range(self.leads):
            row = self.lead(i)
            emails.append(row[0].lower())
            stamp = row[20]
            created.append(self._epoch(stamp))
        chance = random.Random(self.seed).random
        n, days, end, types, campaigns = self.leads, self.days, self.end, len(TOUCH_TABLE), len(CAMPAIGNS)
        for k in range(count):
            u = chance()
            i = int(n * u * u) if chance() < 0.6 else int(n * chance())
            kind = TOUCH_TABLE[int(types * chance())]
            at = created[i] + int((end - created[i]) * chance())
            yield (
                f"act-{self.seed}-{k:09d}",
                emails[i],
                kind,
                CHANNELS[kind],
                CAMPAIGNS[int(campaigns * chance())] if chance() < 0.3 else "",
                _timestamp(at, days),
            )

    def _epoch(self, stamp: str) -> int:
        return int(datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def _spoil(row: list[str], how: int) -> list[str]:
    row = list(row)
    column, value = [(0, "not-an-email"), (7, "Atlantis"), (10, "lots"), (20, "yesterday")][how % 4]
    row[column] = value
    return row


def write_leads(data: Data, path: Path, *, first: int, count: int, duplicates: float, bad_rows: float) -> int:
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(LEAD_COLUMNS)
        batch = []
        for i in range(first, first + count):
            row = data.lead(i)
            draws = Draws(data.seed, -(10**12) - i)
            if bad_rows and draws.below(10**6) < bad_rows * 10**6:
                row = _spoil(row, draws.below(4))
            batch.append(row)
            if duplicates and i > first and draws.below(10**6) < duplicates * 10**6:
                again = data.lead(first + draws.below(i - first))
                again[5] = "Head of " + (again[9] or "operations").title()  # promoted since
                batch.append(again)
            if len(batch) >= 10_000:
                out.writerows(batch)
                written += len(batch)
                batch.clear()
        out.writerows(batch)
        written += len(batch)
    return written


def write_touchpoints(data: Data, path: Path, count: int) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(TOUCHPOINT_COLUMNS)
        out.writerows(data.touchpoints(count))
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=10_000, help="leads to write (default 10,000)")
    parser.add_argument("--touchpoints", type=int, default=0, help="touchpoints over those leads (default 0)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="directory for leads.csv and touchpoints.csv")
    parser.add_argument("--first-lead", type=int, default=0, help="number of the first lead (for fresh leads)")
    parser.add_argument("--leads-file", default="leads.csv", help="file name inside --out")
    parser.add_argument("--duplicates", type=float, default=0.0, help="percent of rows repeated later")
    parser.add_argument("--bad-rows", type=float, default=0.0, help="percent of rows with one bad cell")
    parser.add_argument("--end", default="2026-11-01", help="the newest created_at (UTC date)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    end = datetime.fromisoformat(args.end).replace(tzinfo=UTC)
    # Touchpoints name leads 0..N-1 of the same seed, so --leads is the population they come from.
    data = Data(seed=args.seed, leads=max(1, args.first_lead + args.leads), end=end)
    if args.leads:
        rows = write_leads(
            data,
            args.out / args.leads_file,
            first=args.first_lead,
            count=args.leads,
            duplicates=args.duplicates / 100,
            bad_rows=args.bad_rows / 100,
        )
        print(f"{args.out / args.leads_file}: {rows:,} rows", file=sys.stderr)
    if args.touchpoints:
        write_touchpoints(data, args.out / "touchpoints.csv", args.touchpoints)
        print(f"{args.out / 'touchpoints.csv'}: {args.touchpoints:,} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
