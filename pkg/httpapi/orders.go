package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
)

type moneyBody struct {
	Amount   string `json:"amount" validate:"required,amount"`
	Currency string `json:"currency" validate:"required,len=3,uppercase"`
}

func (m *moneyBody) money() *dispute.Money {
	if m == nil {
		return nil
	}
	return &dispute.Money{Amount: m.Amount, Currency: m.Currency}
}

type orderBody struct {
	BuyerID     string     `json:"buyer_id" validate:"required,ident"`
	SellerID    string     `json:"seller_id" validate:"required,ident,nefield=BuyerID"`
	ListingIDs  []string   `json:"listing_ids" validate:"max=1000,dive,required,ident"`
	ItemCount   int        `json:"item_count" validate:"required,min=1,max=100000"`
	Total       *moneyBody `json:"total" validate:"required"`
	DeliveredAt *time.Time `json:"delivered_at"`
}

// putOrder upserts an order (system role): 201 when created, 200 when replaced.
func (s *Server) putOrder(c echo.Context) error {
	id := c.Param("order_id")
	var b orderBody
	if err := s.decode(c, &b, false); err != nil {
		return err
	}
	o, created, err := s.svc.UpsertOrder(c.Request().Context(), actorOf(c), dispute.Order{
		ID: id, BuyerID: b.BuyerID, SellerID: b.SellerID, ListingIDs: b.ListingIDs,
		ItemCount: b.ItemCount, Total: *b.Total.money(), DeliveredAt: b.DeliveredAt,
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
	o, err := s.svc.Order(c.Request().Context(), actorOf(c), c.Param("order_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiOrder(o))
}
