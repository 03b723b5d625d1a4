package tmplmsg

import "strings"

// Industry is one of WeChat's template-message industries: the code an
// account sets with template/api_set_industry, and its first and second
// class. FirstZh and SecondZh are WeChat's own (Chinese) class names, the
// values get_industry and get_all_private_template carry on the wire
// (second classes that name several trades separate them with "|", as
// WeChat's get_industry does: "互联网|电子商务"); First and Second are
// their English names, for pages in English.
type Industry struct {
	Code     int
	First    string
	Second   string
	FirstZh  string
	SecondZh string
}

// Name is "First / Second".
func (i Industry) Name() string { return i.First + " / " + i.Second }

// NameZh is WeChat's name of the industry, "FirstZh / SecondZh".
func (i Industry) NameZh() string { return i.FirstZh + " / " + i.SecondZh }

// Industries is WeChat's industry table, codes 1–41.
var Industries = []Industry{
	{1, "IT & Technology", "Internet & E-commerce", "IT科技", "互联网|电子商务"},
	{2, "IT & Technology", "IT Software & Services", "IT科技", "IT软件与服务"},
	{3, "IT & Technology", "IT Hardware & Equipment", "IT科技", "IT硬件与设备"},
	{4, "IT & Technology", "Electronics", "IT科技", "电子技术"},
	{5, "IT & Technology", "Telecommunications & Carriers", "IT科技", "通信与运营商"},
	{6, "IT & Technology", "Online Games", "IT科技", "网络游戏"},
	{7, "Finance", "Banking", "金融业", "银行"},
	{8, "Finance", "Funds, Wealth Management & Trusts", "金融业", "基金|理财|信托"},
	{9, "Finance", "Insurance", "金融业", "保险"},
	{10, "Food & Beverage", "Restaurants", "餐饮", "餐饮"},
	{11, "Hotels & Travel", "Hotels", "酒店旅游", "酒店"},
	{12, "Hotels & Travel", "Travel", "酒店旅游", "旅游"},
	{13, "Transport & Warehousing", "Express Delivery", "运输与仓储", "快递"},
	{14, "Transport & Warehousing", "Logistics", "运输与仓储", "物流"},
	{15, "Transport & Warehousing", "Warehousing", "运输与仓储", "仓储"},
	{16, "Education", "Training", "教育", "培训"},
	{17, "Education", "Schools & Universities", "教育", "院校"},
	{18, "Government & Public Services", "Academic Research", "政府与公共事业", "学术科研"},
	{19, "Government & Public Services", "Traffic Police", "政府与公共事业", "交警"},
	{20, "Government & Public Services", "Museums", "政府与公共事业", "博物馆"},
	{21, "Government & Public Services", "Public Services & Non-profits", "政府与公共事业", "公共事业|非盈利机构"},
	{22, "Healthcare", "Medicine & Medical Care", "医药护理", "医药医疗"},
	{23, "Healthcare", "Nursing & Beauty", "医药护理", "护理美容"},
	{24, "Healthcare", "Health & Hygiene", "医药护理", "保健与卫生"},
	{25, "Vehicles", "Automotive", "交通工具", "汽车相关"},
	{26, "Vehicles", "Motorcycles", "交通工具", "摩托车相关"},
	{27, "Vehicles", "Railways", "交通工具", "火车相关"},
	{28, "Vehicles", "Aviation", "交通工具", "飞机相关"},
	{29, "Real Estate", "Construction", "房地产", "建筑"},
	{30, "Real Estate", "Property Management", "房地产", "物业"},
	{31, "Consumer Goods", "Consumer Goods", "消费品", "消费品"},
	{32, "Business Services", "Legal", "商业服务", "法律"},
	{33, "Business Services", "Conventions & Exhibitions", "商业服务", "会展"},
	{34, "Business Services", "Agencies", "商业服务", "中介服务"},
	{35, "Business Services", "Certification", "商业服务", "认证"},
	{36, "Business Services", "Auditing", "商业服务", "审计"},
	{37, "Culture, Sports & Entertainment", "Media", "文体娱乐", "传媒"},
	{38, "Culture, Sports & Entertainment", "Sports", "文体娱乐", "体育"},
	{39, "Culture, Sports & Entertainment", "Leisure & Entertainment", "文体娱乐", "娱乐休闲"},
	{40, "Printing", "Printing", "印刷", "印刷"},
	{41, "Other", "Other", "其它", "其它"},
}

// IndustryByCode returns the industry of code; ok is false for an unknown code.
func IndustryByCode(code int) (Industry, bool) {
	if code < 1 || code > len(Industries) {
		return Industry{}, false
	}
	return Industries[code-1], true
}

// IndustryByName returns the industry with these class names, as
// get_industry and get_all_private_template print them: WeChat's Chinese
// names (with "|", "/" or nothing between the trades of a second class,
// all of which WeChat has used: "互联网|电子商务", "互联网/电子商务",
// "基金理财信托") or, as older Herald platforms print them, the English
// names (compared without regard to case). ok is false when none has them.
func IndustryByName(first, second string) (Industry, bool) {
	first, second = strings.TrimSpace(first), strings.TrimSpace(second)
	zhFirst, zhSecond := zhKey(first), zhKey(second)
	for _, i := range Industries {
		if zhKey(i.FirstZh) == zhFirst && zhKey(i.SecondZh) == zhSecond {
			return i, true
		}
	}
	for _, i := range Industries {
		if strings.EqualFold(i.First, first) && strings.EqualFold(i.Second, second) {
			return i, true
		}
	}
	return Industry{}, false
}

// zhKey is a Chinese class name without the separators WeChat puts
// between trades, or any spaces (其他 and 其它 are the same word).
var zhKey = strings.NewReplacer("|", "", "/", "", "／", "", "｜", "", " ", "", "其他", "其它").Replace
