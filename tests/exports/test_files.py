"""Each kind's exported file, written out by hand for the rows of `exported` (see conftest):
every column, both formats, the date filter, and that rows are streamed, not loaded."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.core.errors import InvalidInput
from accord.crm.models import Lead
from accord.exports.formats import csv_lines, jsonl_lines
from accord.exports.rows import EXPORTS, LEADS, Kind
from accord.exports.selectors import export_queryset


def _file(kind: str, writer, **dates) -> str:
    spec: Kind = EXPORTS[kind]
    return "".join(writer(spec.columns, spec.rows(export_queryset(kind=kind, **dates))))


def _csv(kind: str, **dates) -> list[str]:
    return _file(kind, csv_lines, **dates).split("\r\n")


def _jsonl(kind: str, **dates) -> list[str]:
    return _file(kind, jsonl_lines, **dates).split("\n")


def test_leads_csv(exported):
    v, b, late = exported.vera.pk, exported.bare.pk, exported.late.pk

    assert _csv("leads") == [
        "id,email,external_id,first_name,last_name,company,title,phone,country,region,industry,company_size,source,"
        "campaign,utm_source,utm_medium,utm_campaign,need,authority,budget,timeline,consent_email,stage,owner,team,"
        "score_fit,score_engagement,score_total,created_at,custom",
        f"{v},vera@bigco.example,crm-42,Vera,Penn,Bigco,VP Sales,'+49 30 1234,DE,Berlin,Software,120,webinar,"
        'webinar-1,linkedin,paid,spring,"Shared funnel, fast",Signs the order,50k,Q3,true,sql,rep@accord.test,EMEA,'
        '30.0,20.5,50.5,2026-03-02T10:00:00+00:00,"{""plan"":""pro"",""seats"":12}"',
        f"{b},,crm-43,,,,,,,,,,,,,,,,,,,false,recycled,,,0.0,0.0,0.0,2026-03-04T23:59:59+00:00,{{}}",
        f"{late},late@smallco.example,,,,,,,,,,,,,,,,,,,,false,lead,,,0.0,0.0,0.0,2026-03-05T00:00:00+00:00,{{}}",
        "",
    ]


def test_leads_jsonl(exported):
    v, b, late = exported.vera.pk, exported.bare.pk, exported.late.pk
    blank = (
        '"first_name":null,"last_name":null,"company":null,"title":null,"phone":null,"country":null,"region":null,'
        '"industry":null,"company_size":null,"source":null,"campaign":null,"utm_source":null,"utm_medium":null,'
        '"utm_campaign":null,"need":null,"authority":null,"budget":null,"timeline":null,"consent_email":false,'
    )
    unowned = '"owner":null,"team":null,"score_fit":0.0,"score_engagement":0.0,"score_total":0.0,'

    assert _jsonl("leads") == [
        f'{{"id":{v},"email":"vera@bigco.example","external_id":"crm-42","first_name":"Vera","last_name":"Penn",'
        '"company":"Bigco","title":"VP Sales","phone":"+49 30 1234","country":"DE","region":"Berlin",'
        '"industry":"Software","company_size":120,"source":"webinar","campaign":"webinar-1","utm_source":"linkedin",'
        '"utm_medium":"paid","utm_campaign":"spring","need":"Shared funnel, fast","authority":"Signs the order",'
        '"budget":"50k","timeline":"Q3","consent_email":true,"stage":"sql","owner":"rep@accord.test","team":"EMEA",'
        '"score_fit":30.0,"score_engagement":20.5,"score_total":50.5,"created_at":"2026-03-02T10:00:00+00:00",'
        '"custom":{"plan":"pro","seats":12}}',
        f'{{"id":{b},"email":null,"external_id":"crm-43",{blank}"stage":"recycled",{unowned}'
        '"created_at":"2026-03-04T23:59:59+00:00","custom":{}}',
        f'{{"id":{late},"email":"late@smallco.example","external_id":null,{blank}"stage":"lead",{unowned}'
        '"created_at":"2026-03-05T00:00:00+00:00","custom":{}}',
        "",
    ]


def test_touchpoints_csv(exported):
    assert _csv("touchpoints") == [
        "id,external_id,email,lead_external_id,type,channel,campaign,occurred_at,utm_source,utm_medium,utm_campaign,note",
        f"{exported.webinar.pk},tp-1,vera@bigco.example,crm-42,webinar,events,webinar-1,2026-03-03T09:30:00+00:00,"
        "linkedin,paid,spring,Asked about pricing",
        f"{exported.page_view.pk},,,crm-43,page_view,,,2026-03-04T12:00:00+00:00,,,,'=cmd|' /C calc'!A0",
        "",
    ]


def test_touchpoints_jsonl(exported):
    assert _jsonl("touchpoints") == [
        f'{{"id":{exported.webinar.pk},"external_id":"tp-1","email":"vera@bigco.example","lead_external_id":"crm-42",'
        '"type":"webinar","channel":"events","campaign":"webinar-1","occurred_at":"2026-03-03T09:30:00+00:00",'
        '"utm_source":"linkedin","utm_medium":"paid","utm_campaign":"spring","note":"Asked about pricing"}',
        f'{{"id":{exported.page_view.pk},"external_id":null,"email":null,"lead_external_id":"crm-43",'
        '"type":"page_view","channel":null,"campaign":null,"occurred_at":"2026-03-04T12:00:00+00:00",'
        '"utm_source":null,"utm_medium":null,"utm_campaign":null,"note":"=cmd|\' /C calc\'!A0"}',
        "",
    ]


def test_opportunities_csv(exported):
    assert _csv("opportunities") == [
        "id,external_id,name,lead,account,owner,amount,stage,status,created_at,closed_at,lost_reason,expected_close_on",
        f"{exported.open_deal.pk},opp-1,Bigco platform,vera@bigco.example,Bigco,rep@accord.test,12500.50,Demo,open,"
        "2026-03-03T10:00:00+00:00,,,2026-06-30",
        f"{exported.won_deal.pk},,Bigco add-on,vera@bigco.example,Bigco,rep@accord.test,900.00,won,won,"
        "2026-03-03T11:00:00+00:00,2026-03-20T16:00:00+00:00,,",
        f"{exported.lost_deal.pk},opp-3,Imported deal,crm-43,,Dana Seller,3000.00,lost,lost,"
        "2026-03-04T08:00:00+00:00,2026-03-06T12:00:00+00:00,price,",
        f"{exported.new_deal.pk},,New deal,,,,0.00,open,open,2026-03-05T09:00:00+00:00,,,",
        "",
    ]


def test_opportunities_jsonl(exported):
    assert _jsonl("opportunities") == [
        f'{{"id":{exported.open_deal.pk},"external_id":"opp-1","name":"Bigco platform","lead":"vera@bigco.example",'
        '"account":"Bigco","owner":"rep@accord.test","amount":12500.5,"stage":"Demo","status":"open",'
        '"created_at":"2026-03-03T10:00:00+00:00","closed_at":null,"lost_reason":null,"expected_close_on":"2026-06-30"}',
        f'{{"id":{exported.won_deal.pk},"external_id":null,"name":"Bigco add-on","lead":"vera@bigco.example",'
        '"account":"Bigco","owner":"rep@accord.test","amount":900.0,"stage":"won","status":"won",'
        '"created_at":"2026-03-03T11:00:00+00:00","closed_at":"2026-03-20T16:00:00+00:00","lost_reason":null,'
        '"expected_close_on":null}',
        f'{{"id":{exported.lost_deal.pk},"external_id":"opp-3","name":"Imported deal","lead":"crm-43","account":null,'
        '"owner":"Dana Seller","amount":3000.0,"stage":"lost","status":"lost","created_at":"2026-03-04T08:00:00+00:00",'
        '"closed_at":"2026-03-06T12:00:00+00:00","lost_reason":"price","expected_close_on":null}',
        f'{{"id":{exported.new_deal.pk},"external_id":null,"name":"New deal","lead":null,"account":null,"owner":null,'
        '"amount":0.0,"stage":"open","status":"open","created_at":"2026-03-05T09:00:00+00:00","closed_at":null,'
        '"lost_reason":null,"expected_close_on":null}',
        "",
    ]


def test_events_csv(exported):
    v, b = exported.vera.pk, exported.bare.pk

    assert _csv("events") == [
        "id,lead_id,email,kind,from_stage,to_stage,actor,reason,note,definition,data,occurred_at",
        f'{exported.created.pk},{v},vera@bigco.example,created,,lead,marketer@accord.test,,,,"{{""source"":""webinar""}}",'
        "2026-03-02T10:00:00+00:00",
        f"{exported.accepted.pk},{v},vera@bigco.example,stage,mql,sal,rep@accord.test,,Called back,2,"
        '"{""reasons"":[""VP"",""Download""],""score"":50.5}",2026-03-02T12:00:00+00:00',
        f"{exported.recycled.pk},{b},,stage,mql,recycled,rep@accord.test,not_ready,'+1 next quarter,,"
        '"{""a"":1,""b"":2}",2026-03-04T13:00:00+00:00',
        "",
    ]


def test_events_jsonl(exported):
    v, b = exported.vera.pk, exported.bare.pk

    assert _jsonl("events") == [
        f'{{"id":{exported.created.pk},"lead_id":{v},"email":"vera@bigco.example","kind":"created","from_stage":null,'
        '"to_stage":"lead","actor":"marketer@accord.test","reason":null,"note":null,"definition":null,'
        '"data":{"source":"webinar"},"occurred_at":"2026-03-02T10:00:00+00:00"}',
        f'{{"id":{exported.accepted.pk},"lead_id":{v},"email":"vera@bigco.example","kind":"stage","from_stage":"mql",'
        '"to_stage":"sal","actor":"rep@accord.test","reason":null,"note":"Called back","definition":2,'
        '"data":{"reasons":["VP","Download"],"score":50.5},"occurred_at":"2026-03-02T12:00:00+00:00"}',
        f'{{"id":{exported.recycled.pk},"lead_id":{b},"email":null,"kind":"stage","from_stage":"mql",'
        '"to_stage":"recycled","actor":"rep@accord.test","reason":"not_ready","note":"+1 next quarter",'
        '"definition":null,"data":{"a":1,"b":2},"occurred_at":"2026-03-04T13:00:00+00:00"}',
        "",
    ]


def _ids(kind: str, **dates) -> list[int]:
    return [row[0] for row in EXPORTS[kind].rows(export_queryset(kind=kind, **dates))]


@pytest.mark.parametrize(
    ("dates", "leads"),
    [
        ({}, ["vera", "bare", "late"]),
        ({"date_from": date(2026, 3, 2), "date_to": date(2026, 3, 2)}, ["vera"]),
        ({"date_to": date(2026, 3, 4)}, ["vera", "bare"]),  # 23:59:59 is still the 4th
        ({"date_from": date(2026, 3, 3)}, ["bare", "late"]),
        ({"date_from": date(2026, 3, 5)}, ["late"]),  # midnight is the 5th
        ({"date_from": date(2026, 3, 6)}, []),
    ],
)
def test_leads_between_dates_by_created_at(exported, dates, leads):
    assert _ids("leads", **dates) == [getattr(exported, name).pk for name in leads]


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("touchpoints", ["page_view"]),  # by occurred_at: the webinar was on the 3rd
        ("opportunities", ["lost_deal", "new_deal"]),  # by created_at
        ("events", ["recycled"]),  # by occurred_at
    ],
)
def test_other_kinds_between_dates_by_their_time(exported, kind, names):
    assert _ids(kind, date_from=date(2026, 3, 4), date_to=date(2026, 3, 5)) == [
        getattr(exported, name).pk for name in names
    ]


def test_to_before_from_is_refused(db):
    with pytest.raises(InvalidInput) as refused:
        export_queryset(kind="leads", date_from=date(2026, 3, 5), date_to=date(2026, 3, 4))

    assert (refused.value.field, refused.value.message) == ("to", "'to' is before 'from'.")


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(InvalidInput) as refused:
        export_queryset(kind="accounts")

    assert refused.value.field == "kind"


def test_rows_stream_the_filtered_queryset_in_one_query(world):
    # given: 30 leads, each with an owner, a team and a campaign, and 5 that the filter leaves out
    Lead.objects.bulk_create(
        [
            Lead(email=f"lead-{i}@bulk.example", stage="mql", owner=world.rep, team=world.emea, campaign=world.campaign)
            for i in range(30)
        ]
        + [Lead(email=f"other-{i}@bulk.example", stage="lead") for i in range(5)]
    )
    leads = Lead.objects.filter(stage="mql").order_by("id")

    # when
    with CaptureQueriesContext(connection) as queries:
        rows = list(LEADS.rows(leads))

    # then: the owner, team and campaign came with the leads, read through an iterator that
    # leaves nothing cached on the queryset
    assert len(queries) == 1
    assert [row[1] for row in rows] == [f"lead-{i}@bulk.example" for i in range(30)]
    assert {(row[23], row[24], row[13]) for row in rows} == {("rep@accord.test", "EMEA", "webinar-1")}
    assert leads._result_cache is None


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_each_kind_reads_its_rows_in_one_query(exported, kind):
    with CaptureQueriesContext(connection) as queries:
        rows = list(EXPORTS[kind].rows(export_queryset(kind=kind)))

    assert len(rows) > 1
    assert len(queries) == 1
