package analytics

import (
	"html/template"
	"strconv"

	"github.com/heraldoa/herald/internal/analytics/chart"
)

// Revenue is the revenue section of a report: Herald Pay's paid orders and
// refunds per day (from the payment and refund rollups) and the funnel
// follower → order → paid (from the conversion rollups).
type Revenue struct {
	Cards []Card
	Chart template.HTML
}

// OrderSourceLabels names order sources for people.
var OrderSourceLabels = map[string]string{"card": "Product card in chat", "article": "Article", "console": "Console", "api": "API (your server)"}

// Yuan formats fen as yuan with two decimals ("-12.30"), without a
// currency sign, so CSV cells stay numbers.
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(fen%100/10, 10) + strconv.FormatInt(fen%10, 10)
}

func avgOrder(gross, orders int64) int64 {
	if orders <= 0 {
		return 0
	}
	return (gross + orders/2) / orders
}

// revenueSection adds the tables "revenue" (per day), "revenue_sources"
// and "funnel" to rep and returns the section's cards and chart. cur and
// prev are the period sums (PeriodSums), dayRows the every-object rows of
// payment and refund per day.
func revenueSection(tr func(string, ...any) string, rep *Report, curRows, prevRows, dayRows []Row, days, labels []string) *Revenue {
	type k2 struct{ kind, surface string }
	cur, prev := map[k2]Row{}, map[k2]Row{}
	for i := range curRows {
		cur[k2{curRows[i].Kind, curRows[i].Surface}] = curRows[i]
		prev[k2{prevRows[i].Kind, prevRows[i].Surface}] = prevRows[i]
	}
	byDay := map[string]map[k2]Row{}
	for _, r := range dayRows {
		if byDay[r.Day] == nil {
			byDay[r.Day] = map[k2]Row{}
		}
		byDay[r.Day][k2{r.Kind, r.Surface}] = r
	}
	rv := &Revenue{}
	money := func(label string, c, p int64, bad bool) {
		card := Card{Label: tr(label), Value: c, Prev: p, Text: "¥" + Yuan(c), PrevText: "¥" + Yuan(p), Bad: bad}
		card.Delta, card.Up, card.Down = delta(c, p)
		rv.Cards = append(rv.Cards, card)
	}
	gross, pGross := cur[k2{KindPayment, All}].ValueSum, prev[k2{KindPayment, All}].ValueSum
	refunded, pRefunded := cur[k2{KindRefund, All}].ValueSum, prev[k2{KindRefund, All}].ValueSum
	orders, pOrders := cur[k2{KindPayment, All}].Events, prev[k2{KindPayment, All}].Events
	money("Revenue (paid)", gross, pGross, false)
	money("Refunded", refunded, pRefunded, true)
	money("Net revenue", gross-refunded, pGross-pRefunded, false)
	oc := Card{Label: tr("Paid orders"), Value: orders, Prev: pOrders}
	oc.Delta, oc.Up, oc.Down = delta(orders, pOrders)
	rv.Cards = append(rv.Cards, oc)
	money("Average order", avgOrder(gross, orders), avgOrder(pGross, pOrders), false)

	// Per day, in the account's time zone: a refund counts on its own day.
	dt := &Table{Name: "revenue", Title: tr("Revenue per day"),
		Head: []string{tr("Day"), tr("Paid orders"), tr("Paid (¥)"), tr("Refunded (¥)"), tr("Net (¥)"), tr("Average order (¥)")},
		Note: tr("Amounts in yuan. A refund reduces net revenue on the day it was made, not on the day of the order.")}
	var sGross, sNet []float64
	for _, d := range days {
		p, r := byDay[d][k2{KindPayment, All}], byDay[d][k2{KindRefund, All}]
		dt.Rows = append(dt.Rows, []string{d, itoa(p.Events), Yuan(p.ValueSum), Yuan(r.ValueSum), Yuan(p.ValueSum - r.ValueSum), Yuan(avgOrder(p.ValueSum, p.Events))})
		sGross = append(sGross, float64(p.ValueSum)/100)
		sNet = append(sNet, float64(p.ValueSum-r.ValueSum)/100)
	}
	rep.Tables = append(rep.Tables, dt)
	rv.Chart = (&chart.Chart{T: tr, Title: tr("Revenue per day (yuan): paid and net of refunds"), Labels: labels,
		Series: []chart.Series{{Name: tr("Paid"), Values: sGross}, {Name: tr("Net"), Values: sNet}}}).Line()
	rep.Charts["revenue"] = rv.Chart

	// By where the order came from.
	st := &Table{Name: "revenue_sources", Title: tr("Revenue by order source"),
		Head: []string{tr("Source"), tr("Paid orders"), tr("Paid (¥)"), tr("Refunded (¥)"), tr("Net (¥)"), tr("Average order (¥)"), tr("Paid (¥, previous period)")}}
	for _, src := range []string{"card", "article", "console", "api"} {
		p, r, pp := cur[k2{KindPayment, src}], cur[k2{KindRefund, src}], prev[k2{KindPayment, src}]
		if p.Events == 0 && r.Events == 0 && pp.Events == 0 {
			continue
		}
		st.Rows = append(st.Rows, []string{tr(OrderSourceLabels[src]), itoa(p.Events), Yuan(p.ValueSum), Yuan(r.ValueSum),
			Yuan(p.ValueSum - r.ValueSum), Yuan(avgOrder(p.ValueSum, p.Events)), Yuan(pp.ValueSum)})
	}
	rep.Tables = append(rep.Tables, st)

	// The funnel, from the conversion rollups of follows in the period.
	ft := &Table{Name: "funnel", Title: tr("Funnel: follower → order → paid (within 7 days of following)"),
		Head: []string{tr("Step"), tr("People"), tr("Of the step before"), tr("Of new followers"), tr("People (previous period)")},
		Note: tr("People who followed in the period; of them, those who created an order within 7 days of following, and those who paid one.")}
	f, o, pd := cur[k2{ConvFollows, All}].Events, cur[k2{ConvOrder, All}].Events, cur[k2{ConvPaid, All}].Events
	ft.Rows = [][]string{
		{tr("New followers"), itoa(f), "–", "100.0%", itoa(prev[k2{ConvFollows, All}].Events)},
		{tr("Created an order"), itoa(o), pct(o, f), pct(o, f), itoa(prev[k2{ConvOrder, All}].Events)},
		{tr("Paid"), itoa(pd), pct(pd, o), pct(pd, f), itoa(prev[k2{ConvPaid, All}].Events)},
	}
	if f == 0 {
		ft.Rows[0][3] = "–"
	}
	rep.Tables = append(rep.Tables, ft)
	return rv
}
