package httpapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// createAPIKey makes a key for the calling seller; the key is in this answer only.
func (s *Server) createAPIKey(c echo.Context) error {
	var b apigen.APIKeyRequest
	if err := s.decode(c, &b, false); err != nil {
		return err
	}
	k, err := s.integrations.CreateAPIKey(c.Request().Context(), actorOf(c), b.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiCreatedAPIKey(k))
}

// listAPIKeys lists the caller's keys, or for staff any seller's (?seller_id=).
func (s *Server) listAPIKeys(c echo.Context) error {
	page, limit, err := idPage(c)
	if err != nil {
		return err
	}
	seller := c.QueryParam("seller_id")
	if seller != "" && !identPattern.MatchString(seller) {
		return dispute.Invalid(dispute.CodeInvalidFilter, "seller_id", "is not a user id")
	}
	ks, err := s.integrations.APIKeys(c.Request().Context(), actorOf(c), seller, page)
	if err != nil {
		return err
	}
	data, next := pageOf(ks, limit, func(k *dispute.APIKey) []byte { return []byte(k.ID) })
	return c.JSON(http.StatusOK, apigen.APIKeyPage{Data: mapAll(data, apiAPIKey), NextCursor: next})
}

// revokeAPIKey revokes a key at once.
func (s *Server) revokeAPIKey(c echo.Context) error {
	if _, err := s.integrations.RevokeAPIKey(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// events pages through the caller's event feed: ?after= is the seq of the
// last event seen (0 or absent for the beginning).
func (s *Server) events(c echo.Context) error {
	limit, _, err := pageParams(c)
	if err != nil {
		return err
	}
	var after int64
	if v := c.QueryParam("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return dispute.Invalid(dispute.CodeInvalidCursor, "after", "must be the seq of an event, or 0")
		}
	}
	evs, err := s.integrations.Events(c.Request().Context(), actorOf(c), after, limit)
	if err != nil {
		return err
	}
	next := after
	if len(evs) > 0 {
		next = evs[len(evs)-1].Seq
	}
	return c.JSON(http.StatusOK, apigen.EventPage{Data: mapAll(evs, apiFeedEvent), NextAfter: next})
}

func (s *Server) createWebhook(c echo.Context) error {
	var b apigen.WebhookRequest
	if err := s.decode(c, &b, false); err != nil {
		return err
	}
	w, err := s.integrations.CreateWebhook(c.Request().Context(), actorOf(c), b.URL, b.EventTypes)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiCreatedWebhook(w))
}

func (s *Server) listWebhooks(c echo.Context) error {
	ws, err := s.integrations.Webhooks(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apigen.WebhookList{Data: mapAll(ws, apiWebhook)})
}

func (s *Server) getWebhook(c echo.Context) error {
	ws, err := s.integrations.Webhooks(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	for _, w := range ws {
		if w.ID == c.Param("id") {
			return c.JSON(http.StatusOK, apiWebhook(w))
		}
	}
	return dispute.NotFound("webhook")
}

func (s *Server) deleteWebhook(c echo.Context) error {
	if err := s.integrations.DeleteWebhook(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listDeliveries(c echo.Context) error {
	page, limit, err := idPage(c)
	if err != nil {
		return err
	}
	ds, err := s.integrations.Deliveries(c.Request().Context(), actorOf(c), c.Param("id"), page)
	if err != nil {
		return err
	}
	data, next := pageOf(ds, limit, func(d *dispute.Delivery) []byte { return []byte(d.ID) })
	return c.JSON(http.StatusOK, apigen.DeliveryPage{Data: mapAll(data, apiDelivery), NextCursor: next})
}

func (s *Server) redeliver(c echo.Context) error {
	d, err := s.integrations.Redeliver(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("delivery_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, apiDelivery(d))
}
