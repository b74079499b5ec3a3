package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
)

// pageData is what every page template gets.
type pageData struct {
	Session *session
	Title   string
	// CSRF is the token the page's forms carry: the session's, or the
	// pre-session one on the sign-in page.
	CSRF string
	// Notice is a message shown above the page, such as "this case
	// changed".
	Notice string
	// Path is the page's own path, where the language switch returns to.
	Path string
	Body any
}

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v == nil {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		}
		return ""
	},
	"join": strings.Join,
	"has": func(q url.Values, key string, v any) bool {
		return slices.Contains(q[key], fmt.Sprint(v))
	},
	"add":   func(a, b int) int { return a + b },
	"deref": func(f *float64) float64 { return *f },
	"percent": func(f float64) string {
		return fmt.Sprintf("%.1f %%", f*100)
	},
	"list": func(v ...string) []string { return v },
	"pair": func(a, b any) struct{ A, B any } { return struct{ A, B any }{a, b} },
	"isImage": func(contentType string) bool {
		return strings.HasPrefix(contentType, "image/")
	},
}

// waited says how long the oldest case of a queue has waited, roughly.
func waited(tr *translator, seconds int64) string {
	d := time.Duration(seconds) * time.Second
	switch {
	case d < time.Minute:
		return tr.T("UnderAMinute")
	case d < 48*time.Hour:
		return tr.T("HoursMinutes", "Hours", int(d.Hours()), "Minutes", int(d.Minutes())%60)
	}
	return tr.T("Days", "Count", int(d.Hours()/24))
}

// parsePages reads the layout and every page from the embedded templates,
// once per language: the language's messages are the pages' functions.
func parsePages(translators map[string]*translator) (map[string]map[string]*template.Template, error) {
	names, err := fs.Glob(assets, "templates/page-*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]*template.Template{}
	for lang, tr := range translators {
		layout, err := template.New("layout").Funcs(funcs).Funcs(funcsFor(tr)).ParseFS(assets, "templates/layout.html")
		if err != nil {
			return nil, err
		}
		out[lang] = map[string]*template.Template{}
		for _, n := range names {
			t, err := template.Must(layout.Clone()).ParseFS(assets, n)
			if err != nil {
				return nil, err
			}
			out[lang][strings.TrimSuffix(strings.TrimPrefix(n, "templates/page-"), ".html")] = t
		}
	}
	return out, nil
}

// render writes a page in the reader's language; a template that fails
// leaves nothing half written.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, d pageData) {
	if d.Session != nil && d.CSRF == "" {
		d.CSRF = d.Session.CSRF
	}
	d.Path = r.URL.Path
	tr := c.tr(r)
	var buf bytes.Buffer
	if err := c.pages[tr.lang][page].ExecuteTemplate(&buf, "layout", d); err != nil {
		c.log.Error("console page failed", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Language", tr.lang)
	w.Header().Add("Vary", "Accept-Language")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// queueStates are the states a queue holds.
var queueStates = []dispute.State{dispute.StateEscalated, dispute.StateAppealed}

// teamsOf are the teams whose queues the member of staff sees: their own,
// or every team for an admin who belongs to none.
func teamsOf(a dispute.Actor) []dispute.Team {
	if len(a.Teams) == 0 && a.Has(dispute.RoleAdmin) {
		return dispute.Teams
	}
	return a.Teams
}

func (c *Console) queues(w http.ResponseWriter, r *http.Request, s *session) {
	a := s.Actor()
	teams := teamsOf(a)
	var counts []dispute.QueueCount
	var waiting []*dispute.Dispute
	if len(teams) > 0 {
		var err error
		if counts, err = c.svc.QueueCounts(r.Context(), a, teams, queueStates); err != nil {
			c.fail(w, r, err)
			return
		}
		if waiting, err = c.svc.Queue(r.Context(), a, dispute.QueueFilter{Teams: teams, States: queueStates, Limit: 50}); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	mine, err := c.svc.List(r.Context(), a, dispute.Filter{AssigneeIDs: []string{a.ID},
		States: []dispute.State{dispute.StateUnderReview, dispute.StateAwaitingInfo, dispute.StateAppealReview}, Page: dispute.Page{Limit: 50}})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	notice := ""
	if r.URL.Query().Get("empty") != "" {
		notice = c.tr(r).T("NothingWaitingNotice")
	}
	c.render(w, r, http.StatusOK, "queues", pageData{Session: s, Title: c.tr(r).T("Queues"), Notice: notice, Body: map[string]any{
		"Counts": counts, "Waiting": waiting, "Mine": mine, "Teams": teams,
		"Senior": a.Has(dispute.RoleSeniorReviewer),
	}})
}

// claim takes the next waiting case (or, with kind, the next of that kind)
// and opens it.
func (c *Console) claim(w http.ResponseWriter, r *http.Request, s *session) {
	in := dispute.ClaimInput{}
	switch r.PostForm.Get("kind") {
	case "":
	case "cases":
		in.Kind = dispute.ClaimCases
	case "appeals":
		in.Kind = dispute.ClaimAppeals
	default:
		c.problem(w, r, http.StatusBadRequest, "UnknownClaimKind")
		return
	}
	d, err := c.svc.Claim(r.Context(), s.Actor(), in)
	if dispute.ErrorReason(err) == dispute.CodeQueueEmpty {
		http.Redirect(w, r, Prefix+"queues?empty=1", http.StatusSeeOther)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"cases/"+d.ID, http.StatusSeeOther)
}

// caseView is everything the case page shows.
type caseView struct {
	Dispute  *dispute.Dispute
	Order    *dispute.Order
	Timeline []dispute.TimelineItem
	Notes    []*dispute.Message
	Evidence []*dispute.Evidence
	Allowed  map[string]bool
	Audit    audit.Verification
	// Records are the buyer's and the seller's records on their side.
	Records []partyRecord
	// Instructions are the remedies sent to the marketplace's systems and
	// how their execution went.
	Instructions []*dispute.Instruction
	// Statements are the statements of reasons of the case, one per
	// restricted party.
	Statements []*dispute.StatementRecord
	Remedies   []string
	Parties    []dispute.Party
	Verdicts   []dispute.Verdict
}

func (c *Console) caseFile(w http.ResponseWriter, r *http.Request, s *session) {
	c.showCase(w, r, s, http.StatusOK, "")
}

func (c *Console) showCase(w http.ResponseWriter, r *http.Request, s *session, status int, notice string) {
	a, id := s.Actor(), r.PathValue("id")
	ctx := r.Context()
	d, timeline, err := c.svc.Timeline(ctx, a, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v := caseView{Dispute: d, Timeline: timeline, Allowed: map[string]bool{},
		Parties: []dispute.Party{dispute.PartyBuyer, dispute.PartySeller}, Verdicts: []dispute.Verdict{dispute.VerdictUpheld, dispute.VerdictOverturned, dispute.VerdictModified}}
	for _, rt := range dispute.RemedyTypes {
		v.Remedies = append(v.Remedies, string(rt))
	}
	for _, e := range c.svc.AllowedActions(ctx, a, d) {
		v.Allowed[string(e)] = true
	}
	if v.Order, err = c.svc.Order(ctx, a, d.OrderID); err != nil {
		c.fail(w, r, err)
		return
	}
	msgs, err := c.svc.Messages(ctx, a, id, dispute.Page{Limit: 200})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for _, m := range msgs {
		if m.Internal {
			v.Notes = append(v.Notes, m)
		}
	}
	if v.Evidence, err = c.svc.EvidenceList(ctx, a, id, dispute.Page{Limit: 100}); err != nil {
		c.fail(w, r, err)
		return
	}
	for _, p := range []struct {
		side dispute.Party
		user string
	}{{dispute.PartyBuyer, d.BuyerID}, {dispute.PartySeller, d.SellerID}} {
		h, err := c.svc.UserHistory(ctx, a, p.user)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		v.Records = append(v.Records, recordOf(p.side, h))
	}
	if v.Instructions, err = c.svc.Instructions(ctx, a, dispute.InstructionFilter{DisputeID: id, Page: dispute.Page{Limit: 100}}); err != nil {
		c.fail(w, r, err)
		return
	}
	for _, p := range v.Parties {
		st, err := c.svc.StatementOfReasons(ctx, a, id, p)
		switch {
		case err == nil:
			v.Statements = append(v.Statements, st)
		case dispute.ErrorReason(err) != dispute.CodeNotFound:
			c.fail(w, r, err)
			return
		}
	}
	if v.Audit, err = c.svc.VerifyAudit(ctx, a, id); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, status, "case", pageData{Session: s, Title: c.tr(r).T("Case") + " " + d.ID, Notice: notice, Body: v})
}

// act fires one lifecycle event from a case page's form. The form carries
// the version of the case it was rendered from: when the case has changed
// since, nothing is done and the page says so (the API's If-Match).
func (c *Console) act(w http.ResponseWriter, r *http.Request, s *session) {
	f := r.PostForm
	version, err := strconv.ParseInt(f.Get("version"), 10, 64)
	if err != nil {
		c.problem(w, r, http.StatusBadRequest, "NoVersion")
		return
	}
	cmd, err := commandOf(f, c.now())
	if err != nil {
		var fe formError
		errors.As(err, &fe)
		c.showCase(w, r, s, http.StatusBadRequest, c.tr(r).T(fe.id, "Value", fe.value))
		return
	}
	_, err = c.svc.Act(r.Context(), s.Actor(), r.PathValue("id"), cmd, &version)
	var de *dispute.Error
	switch {
	case err == nil:
		http.Redirect(w, r, Prefix+"cases/"+r.PathValue("id"), http.StatusSeeOther)
	case errors.As(err, &de) && (de.Code == dispute.EPRECONDITION || de.Reason == dispute.CodeConcurrentUpdate):
		c.showCase(w, r, s, http.StatusConflict, c.tr(r).T("CaseChanged"))
	case errors.As(err, &de) && de.Code != dispute.EUNAVAILABLE && de.Code != dispute.EINTERNAL:
		c.showCase(w, r, s, statusOf(de), de.Message+fieldErrors(de))
	default:
		c.fail(w, r, err)
	}
}

func statusOf(e *dispute.Error) int {
	switch e.Code {
	case dispute.EFORBIDDEN:
		return http.StatusForbidden
	case dispute.ENOTFOUND:
		return http.StatusNotFound
	case dispute.ECONFLICT:
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

func fieldErrors(e *dispute.Error) string {
	var b strings.Builder
	for _, f := range e.Fields {
		if f.Message != e.Message {
			fmt.Fprintf(&b, " %s: %s.", f.Field, f.Message)
		}
	}
	return b.String()
}

// note adds an internal note, or a message the parties read.
func (c *Console) note(w http.ResponseWriter, r *http.Request, s *session) {
	body := strings.TrimSpace(r.PostForm.Get("body"))
	internal := r.PostForm.Get("visibility") != "parties"
	if _, err := c.svc.PostMessage(r.Context(), s.Actor(), r.PathValue("id"), body, internal); err != nil {
		var de *dispute.Error
		if errors.As(err, &de) && de.Code != dispute.EUNAVAILABLE && de.Code != dispute.EINTERNAL {
			c.showCase(w, r, s, statusOf(de), de.Message+fieldErrors(de))
			return
		}
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"cases/"+r.PathValue("id")+"#notes", http.StatusSeeOther)
}

// evidence sends a file of the case, as the API does, but inline so that
// images show on the case page. The service decides who may see it; the
// headers keep the browser from running or sniffing anything in it.
func (c *Console) evidence(w http.ResponseWriter, r *http.Request, s *session) {
	e, err := c.svc.Evidence(r.Context(), s.Actor(), r.PathValue("id"), r.PathValue("evidence_id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if e.PurgedAt != nil || c.blobs == nil {
		c.problem(w, r, http.StatusNotFound, "FileGone")
		return
	}
	h := w.Header()
	h.Set("Content-Type", e.ContentType)
	h.Set("Content-Disposition", "inline")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", `"`+e.SHA256+`"`)
	rs := c.blobs.ReadSeeker(r.Context(), e.SHA256, e.Size)
	defer rs.Close()
	http.ServeContent(w, r, "", e.CreatedAt, rs)
}

// partyRecord is what the case page shows of a party beyond the case: its
// record on the side it takes here, all time and the last 90 days, its
// strikes and the account measures in force.
type partyRecord struct {
	Side           dispute.Party
	UserID         string
	AllTime        dispute.PartyRecord
	Recent         dispute.PartyRecord
	Strikes        dispute.StrikeSummary
	Restrictions   int
	RepeatOffender bool
}

func recordOf(side dispute.Party, h *dispute.UserHistory) partyRecord {
	r := partyRecord{Side: side, UserID: h.UserID, Strikes: h.Strikes, Restrictions: len(h.RestrictionsActive), RepeatOffender: h.RepeatOffender}
	r.AllTime, r.Recent = h.AllTime.AsBuyer, h.Recent.AsBuyer
	if side == dispute.PartySeller {
		r.AllTime, r.Recent = h.AllTime.AsSeller, h.Recent.AsSeller
	}
	return r
}
