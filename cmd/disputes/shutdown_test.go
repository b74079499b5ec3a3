package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"testing"
	"time"
)

// TestServeFinishesInFlightRequestsAtShutdown stops serve while a request is
// in its handler, its body still arriving: the server stops accepting
// connections, waits for the request, answers it in full, and run returns
// nil.
func TestServeFinishesInFlightRequestsAtShutdown(t *testing.T) {
	t.Parallel()
	s := serveWith(t, nil)

	body, bodyW := io.Pipe()
	req, err := http.NewRequest(http.MethodPut, s.base+"/v1/orders/ord_inflight", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token(t, "svc_marketplace", "system"))
	req.Header.Set("Content-Type", "application/json")
	// With Expect: 100-continue the server says when the handler starts to
	// read the body: from then on the request is in flight.
	req.Header.Set("Expect", "100-continue")
	reading := make(chan struct{})
	req = req.WithContext(httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		Got100Continue: func() { close(reading) },
	}))
	tr := &http.Transport{ExpectContinueTimeout: time.Minute, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()

	type result struct {
		status int
		body   map[string]any
		err    error
	}
	answered := make(chan result, 1)
	go func() {
		res, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			answered <- result{err: err}
			return
		}
		defer res.Body.Close()
		var r result
		r.status = res.StatusCode
		r.err = json.NewDecoder(res.Body).Decode(&r.body)
		answered <- r
	}()

	select {
	case <-reading:
	case r := <-answered:
		t.Fatalf("answered before the body was sent: %+v", r)
	case <-time.After(30 * time.Second):
		t.Fatal("the handler never started reading the body")
	}
	if _, err := io.WriteString(bodyW, `{"buyer_id":"usr_b","seller_id":"usr_s",`); err != nil {
		t.Fatal(err)
	}

	s.cancel() // SIGTERM
	// Shutdown closes the listener first: wait until connections are refused.
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("serve kept accepting connections after its context ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-s.done:
		s.done <- err
		t.Fatalf("serve returned (%v) with a request in flight", err)
	case r := <-answered:
		t.Fatalf("the in-flight request ended before its body did: %+v", r)
	default:
	}

	if _, err := io.WriteString(bodyW, `"listing_ids":["lst_1"],"item_count":1,"total":{"amount":"10.00","currency":"EUR"},"delivered_at":"2025-01-01T00:00:00Z"}`); err != nil {
		t.Fatal(err)
	}
	bodyW.Close()

	select {
	case r := <-answered:
		if r.err != nil || r.status != http.StatusCreated || r.body["id"] != "ord_inflight" {
			t.Errorf("in-flight request: %d %v %v, want 201 with the order", r.status, r.body, r.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the in-flight request was not answered")
	}
	if err := s.stop(); err != nil {
		t.Errorf("serve returned %v, want nil\nstderr: %s", err, s.stderr.String())
	}
}
