package console_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// chromium returns the browser the browser tests drive: $CHROMIUM or
// Debian's chromium. Without one the tests are skipped, except under
// CI=true, where they must run.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true needs Chromium for the console's browser tests (apt-get install chromium): %v", err)
		}
		t.Skipf("no Chromium at %s (apt-get install chromium, or set CHROMIUM)", path)
	}
	return path
}

// screenshotDir is where the browser test writes its screenshots:
// $CONSOLE_SCREENSHOTS (make screenshots sets docs/console), else a
// temporary folder.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("CONSOLE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// addPhoto adds a small PNG to the dispute as the buyer's evidence.
func (e *env) addPhoto(d *dispute.Dispute) {
	e.t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{R: uint8(120 + x), G: uint8(80 + y), B: 60, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		e.t.Fatal(err)
	}
	obj, err := e.blobs.Put(context.Background(), &buf, 1<<20)
	if err != nil {
		e.t.Fatal(err)
	}
	in := dispute.NewEvidence{Filename: "crack.png", Description: "The crack.", ContentType: "image/png", Size: obj.Size, SHA256: obj.Key}
	if _, err := e.svc.AddEvidence(context.Background(), dispute.Actor{ID: "usr_buyer"}, d.ID, in); err != nil {
		e.t.Fatal(err)
	}
}

// TestConsoleInBrowser walks a reviewer's work in headless Chromium: sign
// in through the OpenID Connect provider, claim a case with the keyboard,
// see its evidence, decide with a partial refund and a listing removal,
// read the statement of reasons, sign out; and shows that the
// Content-Security-Policy stops injected script and that a form posted
// from another site is refused.
func TestConsoleInBrowser(t *testing.T) {
	exe := chromium(t)
	db := storetest.Open(t, store.SQLite)
	e := newEnv(t, db)
	d := e.escalated()
	e.addPhoto(d)
	other := e.escalated()
	e.is.signInAs("usr_oidc_reviewer", []string{"reviewer"}, []string{"logistics"})
	shots := screenshotDir(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for i, a := range actions {
			if err := chromedp.Do(ctx, a); err != nil {
				t.Fatalf("%s (step %d): %v", step, i+1, err)
			}
		}
	}
	text := func(step string, a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return v
	}
	eval := func(step, expr string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return v
	}
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	run("sign in",
		chromedp.Navigate(e.srv.URL+"/console/"),
		chromedp.WaitVisible(`a.button`),
		chromedp.Click(`a.button`),
		chromedp.WaitVisible(`#claim-next`),
	)
	if who := text("who", chromedp.Text(`header .who`)); who != "Test usr_oidc_reviewer" {
		t.Fatalf("signed in as %q", who)
	}
	shot("queues.png")

	// n claims the next case: the oldest, with the photo.
	run("claim with the keyboard", chromedp.KeyEvent("n"), chromedp.WaitVisible(`#decide`))
	if at := text("location", chromedp.Location()); !strings.HasSuffix(at, "/console/cases/"+d.ID) {
		t.Fatalf("the claim opened %s, want the case %s", at, d.ID)
	}
	run("evidence preview", chromedp.WaitVisible(`.evidence img`))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('.evidence img').complete && document.querySelector('.evidence img').naturalWidth === 64`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the evidence image did not load: %v", err)
	}

	// The policy stops script the page did not ship.
	if injected := eval("inline script", `(() => { const s = document.createElement('script'); s.textContent = 'window.__injected = true'; document.body.appendChild(s); return window.__injected === true; })()`); injected != false {
		t.Fatalf("an inline script ran despite the Content-Security-Policy: %v", injected)
	}

	// d focuses the decision form.
	run("decide shortcut", chromedp.Click(`h1`), chromedp.KeyEvent("d"))
	if f := eval("focus", `document.activeElement.closest('form') ? document.activeElement.closest('form').id : ''`); f != "decide" {
		t.Fatalf("d focused %v, want the decision form", f)
	}
	run("decide",
		chromedp.Click(`#decide input[name=favoured_party][value=buyer]`),
		chromedp.Click(`#decide input[name=remedy][value=refund_partial]`),
		chromedp.Click(`#decide input[name=remedy][value=listing_removal]`),
		chromedp.SendKeys(`#decide input[name=amount]`, "80.00"),
		chromedp.SendKeys(`#decide-policy`, "buyer-protection/3.2"),
		chromedp.SendKeys(`#decide-rationale`, "The photo shows the crack; the listing hid it."),
		chromedp.SetValue(`#decide select[name=ground_type]`, "incompatible_content"),
		chromedp.SendKeys(`#decide input[name=contractual_ground]`, "Terms 4.1"),
		chromedp.SendKeys(`#decide input[name=explanation]`, "The listing did not disclose damage."),
		chromedp.SendKeys(`#decide input[name=category]`, "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"),
		chromedp.Submit(`#decide`),
		chromedp.WaitVisible(`#sor-heading`),
	)
	page := text("case page", chromedp.Text(`main`))
	for _, want := range []string{"resolved", "partial refund 80.00 EUR", "listing removal (listing lst_vase)", "To the seller"} {
		if !strings.Contains(page, want) {
			t.Fatalf("after deciding the page lacks %q:\n%s", want, page)
		}
	}
	shot("case.png")
	got, err := e.svc.Get(context.Background(), dispute.SystemActor, d.ID)
	if err != nil || got.State != dispute.StateResolved {
		t.Fatalf("after the browser's decision: %v %v", got, err)
	}

	// The case page on a phone: nothing wider than the screen.
	run("phone width", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(`h1`))
	if w := eval("width", `document.documentElement.scrollWidth`); w.(float64) > 390 {
		t.Fatalf("at 390 px the case page is %v px wide", w)
	}
	shot("case-phone.png")
	run("desktop width", chromedp.EmulateViewport(1280, 900))

	// A page on another site posts a claim to the console: the browser
	// sends the session cookie along (same site, other origin), and the
	// console refuses it.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/go.js" {
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `document.forms[0].submit();`)
			return
		}
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/console/claim"><input name="csrf" value="guess"></form><script src="/go.js"></script>`, e.srv.URL)
	}))
	defer evil.Close()
	run("cross-site form", chromedp.Navigate(evil.URL), chromedp.WaitVisible(`main`))
	if refused := text("cross-site form", chromedp.Text(`main`)); !strings.Contains(refused, "not sent from the console") {
		t.Fatalf("a cross-site form was not refused:\n%s", refused)
	}
	if o, _ := e.svc.Get(context.Background(), dispute.SystemActor, other.ID); o.State != dispute.StateEscalated {
		t.Fatalf("the cross-site form claimed a case: %s", o.State)
	}

	run("sign out",
		chromedp.Navigate(e.srv.URL+"/console/queues"),
		chromedp.WaitVisible(`.signout button`),
		chromedp.Click(`.signout button`),
		chromedp.WaitVisible(`p.notice[role=status]`),
	)
	if out := text("signed out", chromedp.Text(`main`)); !strings.Contains(out, "You are signed out.") {
		t.Fatalf("after signing out:\n%s", out)
	}
	run("signed out for good", chromedp.Navigate(e.srv.URL+"/console/cases/"+d.ID), chromedp.WaitVisible(`h1`))
	if h := text("heading", chromedp.Text(`h1`)); h != "Sign in" {
		t.Fatalf("after signing out a case page shows %q", h)
	}
}
