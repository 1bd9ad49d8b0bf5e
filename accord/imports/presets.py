"""How HubSpot and Salesforce write their exports, as column and value mappings onto
Accord's import fields. Matching is by exact header (HubSpot and Salesforce keep their
labels stable); values are matched case-insensitively."""

HUBSPOT_LIFECYCLE = {
    "subscriber": "subscriber",
    "lead": "lead",
    "marketing qualified lead": "mql",
    "marketingqualifiedlead": "mql",
    # HubSpot's SQL is a lead sales has accepted and is working, before any deal.
    "sales qualified lead": "sal",
    "salesqualifiedlead": "sal",
    "opportunity": "sql",
    "customer": "customer",
    "evangelist": "customer",
    "other": "lead",
}

HUBSPOT_DEAL_STAGES = {
    "appointment scheduled": "Discovery",
    "appointmentscheduled": "Discovery",
    "qualified to buy": "Discovery",
    "qualifiedtobuy": "Discovery",
    "presentation scheduled": "Demo",
    "presentationscheduled": "Demo",
    "decision maker bought-in": "Proposal",
    "decisionmakerboughtin": "Proposal",
    "contract sent": "Negotiation",
    "contractsent": "Negotiation",
    "closed won": "won",
    "closedwon": "won",
    "closed lost": "lost",
    "closedlost": "lost",
}

SALESFORCE_LEAD_STATUS = {
    "open - not contacted": "mql",
    "working - contacted": "sal",
    "closed - converted": "sql",
    "closed - not converted": "disqualified",
}

SALESFORCE_OPPORTUNITY_STAGES = {
    "prospecting": "Discovery",
    "qualification": "Discovery",
    "needs analysis": "Discovery",
    "value proposition": "Demo",
    "id. decision makers": "Demo",
    "perception analysis": "Proposal",
    "proposal/price quote": "Proposal",
    "negotiation/review": "Negotiation",
    "closed won": "won",
    "closed lost": "lost",
}

# Salesforce report exports write dates in the user's locale; US English is the default,
# with a comma after the date since Salesforce moved to ICU locale formats.
SALESFORCE_DATE_FORMATS = ["%m/%d/%Y, %I:%M %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y"]

PRESETS: dict[str, dict[str, dict]] = {
    "hubspot": {
        "leads": {
            "columns": {
                "Record ID": "external_id",
                "Email": "email",
                "First Name": "first_name",
                "Last Name": "last_name",
                "Company Name": "company",
                "Job Title": "title",
                "Phone Number": "phone",
                "Mobile Phone Number": None,
                "Country/Region": "country",
                "State/Region": "region",
                "Industry": "industry",
                "Number of Employees": "company_size",
                "Lifecycle Stage": "stage",
                "Original Source": "source",
                "Create Date": "created_at",
                "Contact owner": "owner",
                "HubSpot Owner": "owner",
            },
            "values": {"stage": HUBSPOT_LIFECYCLE},
        },
        "accounts": {
            "columns": {
                "Company name": "name",
                "Name": "name",
                "Company Domain Name": "domain",
                "Industry": "industry",
                "Country/Region": "country",
                "Number of Employees": "company_size",
                "Company owner": "owner",
                "Create Date": "created_at",
            },
        },
        "opportunities": {
            "columns": {
                "Record ID": "external_id",
                "Deal Name": "name",
                "Amount": "amount",
                "Deal Stage": "stage",
                "Close Date": "closed_at",
                "Create Date": "created_at",
                "Deal owner": "owner",
                "Associated Company": "account",
                "Company Name": "account",
                "Associated Contact": "lead",
                "Closed Lost Reason": "lost_reason",
            },
            "values": {"stage": HUBSPOT_DEAL_STAGES},
        },
        "touchpoints": {"columns": {}},
    },
    "salesforce": {
        "leads": {
            "columns": {
                "Lead ID": "external_id",
                "Email": "email",
                "First Name": "first_name",
                "Last Name": "last_name",
                "Company / Account": "company",
                "Company": "company",
                "Title": "title",
                "Phone": "phone",
                "Country": "country",
                "State/Province": "region",
                "Industry": "industry",
                "No. of Employees": "company_size",
                "Lead Source": "source",
                "Lead Status": "stage",
                "Lead Owner": "owner",
                "Create Date": "created_at",
                "Created Date": "created_at",
            },
            "values": {"stage": SALESFORCE_LEAD_STATUS},
            "date_format": SALESFORCE_DATE_FORMATS,
        },
        "accounts": {
            "columns": {
                "Account ID": None,
                "Account Name": "name",
                "Website": "domain",
                "Industry": "industry",
                "Billing Country": "country",
                "Employees": "company_size",
                "Account Owner": "owner",
                "Created Date": "created_at",
            },
            "date_format": SALESFORCE_DATE_FORMATS,
        },
        "opportunities": {
            "columns": {
                "Opportunity ID": "external_id",
                "Opportunity Name": "name",
                "Account Name": "account",
                "Amount": "amount",
                "Stage": "stage",
                "Close Date": "closed_at",
                "Created Date": "created_at",
                "Opportunity Owner": "owner",
                "Loss Reason": "lost_reason",
            },
            "values": {"stage": SALESFORCE_OPPORTUNITY_STAGES},
            "date_format": SALESFORCE_DATE_FORMATS,
        },
        "touchpoints": {"columns": {}},
    },
}
PRESET_NAMES = ("generic", *PRESETS)

# Columns Accord's own exports add that are not import fields: read back, they are skipped.
EXPORT_ONLY_COLUMNS = {
    "leads": {"id", "team", "score_fit", "score_engagement", "score_total"},
    "accounts": {"id"},
    "touchpoints": {"id"},
    "opportunities": {"id", "status"},
}
