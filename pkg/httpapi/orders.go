package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// putOrder upserts an order (system role): 201 when created, 200 when replaced.
func (s *Server) putOrder(c echo.Context) error {
	id := c.Param("order_id")
	var b apigen.OrderRequest
	if err := s.decode(c, &b, false); err != nil {
		return err
	}
	o, created, err := s.orders.UpsertOrder(c.Request().Context(), actorOf(c), dispute.Order{
		ID: id, BuyerID: b.BuyerID, SellerID: b.SellerID, ListingIDs: b.ListingIds,
		ItemCount: int(b.ItemCount), Total: domainMoney(*b.Total), DeliveredAt: b.DeliveredAt,
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, apiOrder(o))
}

// getOrder returns an order to the system role and to staff.
func (s *Server) getOrder(c echo.Context) error {
	o, err := s.orders.Order(c.Request().Context(), actorOf(c), c.Param("order_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiOrder(o))
}
