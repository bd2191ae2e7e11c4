"""The Content-Security-Policy in a real browser: our pages, htmx and the admin run
under it without a single violation, and code injected into a page does not run."""

import pytest
from playwright.sync_api import Error as PlaywrightError

from accounts.factories import StaffFactory
from notifications.models import EmailTemplate
from quotations.factories import quotation_make
from quotations.models import BidStatus
from quotations.tests.browser import console_messages, csp_violations, login, shot

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
        window.cspViolations.push(event.violatedDirective);
    });
}"""


def test_injected_inline_script_style_and_eval_do_not_run(live_server, browser):
    # given: a staff page, with htmx configured from its <meta name="htmx-config">
    staff = StaffFactory()
    page = login(browser, live_server.url, staff.email)
    page.goto(f"{live_server.url}/staff/")
    config = page.evaluate(
        "() => ({allowEval: htmx.config.allowEval, indicatorStyles: htmx.config.includeIndicatorStyles,"
        " historyCacheSize: htmx.config.historyCacheSize, styleElements: document.querySelectorAll('style').length})"
    )
    assert config == {"allowEval": False, "indicatorStyles": False, "historyCacheSize": 0, "styleElements": 0}
    assert csp_violations(browser) == []
    page.evaluate(RECORD_VIOLATIONS)

    # when: an inline script is injected
    with (
        page.expect_console_message(lambda message: "Content Security Policy" in message.text),
        pytest.raises(PlaywrightError, match="violates the following Content Security Policy directive"),
    ):
        page.add_script_tag(content="window.injectedScriptRan = true;")

    # then: it is refused, reported, and did not run
    page.wait_for_function("() => window.cspViolations.length >= 1")
    assert page.evaluate("() => window.cspViolations") == ["script-src-elem"]
    assert page.evaluate("() => window.injectedScriptRan") is None

    # when: an inline style attribute is injected
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        colour = page.evaluate(
            """() => {
                const probe = document.createElement("div");
                probe.innerHTML = '<span style="color: rgb(255, 0, 0)">injected</span>';
                document.body.append(probe);
                return getComputedStyle(probe.firstChild).color;
            }"""
        )

    # then: the style is not applied
    assert colour != "rgb(255, 0, 0)"
    page.wait_for_function("() => window.cspViolations.length >= 2")
    assert page.evaluate("() => window.cspViolations") == ["script-src-elem", "style-src-attr"]

    # when: the page's own code evaluates a string (as setTimeout with a string does)
    page.evaluate("() => { setTimeout('window.evaluatedStringRan = true'); }")

    # then: it is refused as eval, and did not run
    page.wait_for_function("() => window.cspViolations.length >= 3")
    assert page.evaluate("() => window.cspViolations") == ["script-src-elem", "style-src-attr", "script-src"]
    assert page.evaluate("() => window.evaluatedStringRan") is None
    assert len(csp_violations(browser)) == 3, console_messages(browser)


def test_htmx_price_preview_works_without_eval(live_server, browser, bidding_round):
    # given: a quotation whose bidding is closed, on the staff page
    bidding_round.close()
    page = login(browser, live_server.url, bidding_round.staff.email)
    page.goto(f"{live_server.url}/staff/quotations/{bidding_round.quotation.pk}/")

    # when: staff change the margin
    margin = page.locator("[data-testid=price-form] input[name=margin_percent]")
    margin.fill("20")
    margin.dispatch_event("change")

    # then: htmx swaps the unsaved preview in, and nothing tripped the policy
    page.locator("[data-testid=price-preview-per-person]").wait_for()
    assert page.locator("[data-testid=price-preview] [data-testid=price-preview-result]").count() == 1
    assert csp_violations(browser) == []


def test_a_form_with_data_confirm_asks_before_it_submits(live_server, browser, bidding_round):
    # given: a hotel on its invitation, with an active bid
    bid = bidding_round.bids["aurora"]
    hotel_user = bidding_round.users["aurora"]
    hotel_user.language = "en"  # the pages open in the user's language; the question below is English
    hotel_user.save(update_fields=["language"])
    page = login(browser, live_server.url, hotel_user.email)
    page.goto(f"{live_server.url}/portal/i/{bidding_round.invitations['aurora'].token}/")
    withdraw = page.locator("[data-testid=withdraw-form] button[type=submit]")
    questions, posts = [], []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    # when: the hotel says no to the question
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    withdraw.click()

    # then: nothing was submitted
    assert questions == ["Withdraw your bid? We will no longer consider it for this group."]
    assert posts == []
    bid.refresh_from_db()
    assert bid.status == BidStatus.ACTIVE

    # when: the hotel says yes
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        withdraw.click()

    # then: the bid is withdrawn, and no inline handler was needed
    token = bidding_round.invitations["aurora"].token
    assert posts == [f"{live_server.url}/portal/i/{token}/bids/{bid.pk}/withdraw/"]
    bid.refresh_from_db()
    assert bid.status == BidStatus.WITHDRAWN
    assert csp_violations(browser) == []


def test_admin_pages_run_under_the_policy(live_server, browser):
    # given: a superuser and a draft quotation
    staff = StaffFactory(is_superuser=True, staff_level=10)
    quotation = quotation_make(owner=staff)
    page = login(browser, live_server.url, staff.email)
    admin = f"{live_server.url}/admin"

    # when: they walk through the back office
    for path in (
        "/",
        "/quotations/quotation/",
        f"/quotations/quotation/{quotation.pk}/change/",
        "/quotations/hotel/add/",
        "/notifications/emailmessage/",
        "/notifications/emailmessage/previews/",
    ):
        response = page.goto(f"{admin}{path}")
        assert response.status == 200, path
    # each email preview loads in its frame, styled by its own inline styles
    page.goto(f"{admin}/notifications/emailmessage/previews/")
    frames = [frame for frame in page.frames if "/previews/" in frame.url and frame != page.main_frame]
    assert len(frames) == 2 * len(EmailTemplate.values)
    for frame in frames:
        frame.wait_for_load_state()
    assert all(frame.locator("p[style]").count() > 0 for frame in frames)
    shot(page, "admin-email-previews")
    page.goto(f"{admin}/quotations/quotation/")
    page.locator(f"input[name=_selected_action][value='{quotation.pk}']").check()
    page.locator("select[name=action]").select_option("invite_hotels")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()

    # then: the action's own page works too (its cancel link is a static script)
    assert page.locator("body.invite-hotels").count() == 1
    shot(page, "admin-invite-hotels")
    page.locator("a.cancel-link").click()
    page.wait_for_url("**/admin/quotations/quotation/")
    assert csp_violations(browser) == [], console_messages(browser)
