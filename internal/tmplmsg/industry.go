package tmplmsg

// Industry is one of WeChat's template-message industries: the code an
// account sets with template/api_set_industry, and its first and second
// class (get_industry's first_class and second_class).
type Industry struct {
	Code   int
	First  string
	Second string
}

// Name is "First / Second".
func (i Industry) Name() string { return i.First + " / " + i.Second }

// Industries is WeChat's industry table, codes 1–41, in English.
var Industries = []Industry{
	{1, "IT & Technology", "Internet & E-commerce"},
	{2, "IT & Technology", "IT Software & Services"},
	{3, "IT & Technology", "IT Hardware & Equipment"},
	{4, "IT & Technology", "Electronics"},
	{5, "IT & Technology", "Telecommunications & Carriers"},
	{6, "IT & Technology", "Online Games"},
	{7, "Finance", "Banking"},
	{8, "Finance", "Funds, Wealth Management & Trusts"},
	{9, "Finance", "Insurance"},
	{10, "Food & Beverage", "Restaurants"},
	{11, "Hotels & Travel", "Hotels"},
	{12, "Hotels & Travel", "Travel"},
	{13, "Transport & Warehousing", "Express Delivery"},
	{14, "Transport & Warehousing", "Logistics"},
	{15, "Transport & Warehousing", "Warehousing"},
	{16, "Education", "Training"},
	{17, "Education", "Schools & Universities"},
	{18, "Government & Public Services", "Academic Research"},
	{19, "Government & Public Services", "Traffic Police"},
	{20, "Government & Public Services", "Museums"},
	{21, "Government & Public Services", "Public Services & Non-profits"},
	{22, "Healthcare", "Medicine & Medical Care"},
	{23, "Healthcare", "Nursing & Beauty"},
	{24, "Healthcare", "Health & Hygiene"},
	{25, "Vehicles", "Automotive"},
	{26, "Vehicles", "Motorcycles"},
	{27, "Vehicles", "Railways"},
	{28, "Vehicles", "Aviation"},
	{29, "Real Estate", "Construction"},
	{30, "Real Estate", "Property Management"},
	{31, "Consumer Goods", "Consumer Goods"},
	{32, "Business Services", "Legal"},
	{33, "Business Services", "Conventions & Exhibitions"},
	{34, "Business Services", "Agencies"},
	{35, "Business Services", "Certification"},
	{36, "Business Services", "Auditing"},
	{37, "Culture, Sports & Entertainment", "Media"},
	{38, "Culture, Sports & Entertainment", "Sports"},
	{39, "Culture, Sports & Entertainment", "Leisure & Entertainment"},
	{40, "Printing", "Printing"},
	{41, "Other", "Other"},
}

// IndustryByCode returns the industry of code; ok is false for an unknown code.
func IndustryByCode(code int) (Industry, bool) {
	if code < 1 || code > len(Industries) {
		return Industry{}, false
	}
	return Industries[code-1], true
}
