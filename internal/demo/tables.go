package demo

// Reference tables of the synthetic district. Street codes and names are the
// real ones of Beijing 朝阳区 (110105) from ../shared/data/divisions/streets.csv
// (National Bureau of Statistics 2023 codes, modood/Administrative-divisions-of-China
// commit 57a0aa9c); county codes from areas.csv of the same source and, for
// abolished codes, gb2260_timeline_1980_2019.tsv.

// districtCode is the demo district: Beijing 朝阳区.
const districtCode = "110105"

// street is a township-level division (9-digit code).
type street struct{ code, name string }

// streets110105 are the 43 streets/areas of 朝阳区 (streets.csv rows with areaCode 110105).
var streets110105 = []street{
	{"110105001", "建外街道"},
	{"110105002", "朝外街道"},
	{"110105003", "呼家楼街道"},
	{"110105004", "三里屯街道"},
	{"110105005", "左家庄街道"},
	{"110105006", "香河园街道"},
	{"110105007", "和平街街道"},
	{"110105008", "安贞街道"},
	{"110105009", "亚运村街道"},
	{"110105010", "小关街道"},
	{"110105011", "酒仙桥街道"},
	{"110105012", "麦子店街道"},
	{"110105013", "团结湖街道"},
	{"110105014", "六里屯街道"},
	{"110105015", "八里庄街道"},
	{"110105016", "双井街道"},
	{"110105017", "劲松街道"},
	{"110105018", "潘家园街道"},
	{"110105019", "垡头街道"},
	{"110105020", "首都机场街道"},
	{"110105021", "南磨房地区"},
	{"110105022", "高碑店地区"},
	{"110105023", "将台地区"},
	{"110105024", "太阳宫地区"},
	{"110105025", "大屯街道"},
	{"110105026", "望京街道"},
	{"110105027", "小红门地区"},
	{"110105028", "十八里店地区"},
	{"110105029", "平房地区"},
	{"110105030", "东风地区"},
	{"110105031", "奥运村街道"},
	{"110105032", "来广营地区"},
	{"110105033", "常营地区"},
	{"110105034", "三间房地区"},
	{"110105035", "管庄地区"},
	{"110105036", "金盏地区"},
	{"110105037", "孙河地区"},
	{"110105038", "崔各庄地区"},
	{"110105039", "东坝地区"},
	{"110105040", "黑庄户地区"},
	{"110105041", "豆各庄地区"},
	{"110105042", "王四营地区"},
	{"110105043", "东湖街道"},
}

// county is a county-level division used for ID address codes and hukou.
type county struct {
	code     string // 6 digits, GB/T 2260
	province string // 北京市, 河北省, ...
	city     string // "" for the municipalities' districts
	name     string
}

// beijingCounties are other Beijing districts (hukou elsewhere in Beijing,
// birth places); 110103/110104 (崇文区/宣武区) were abolished in 2010 but stay
// in the ID numbers of people born there earlier.
var beijingCounties = []county{
	{"110101", "北京市", "", "东城区"},
	{"110102", "北京市", "", "西城区"},
	{"110106", "北京市", "", "丰台区"},
	{"110107", "北京市", "", "石景山区"},
	{"110108", "北京市", "", "海淀区"},
	{"110112", "北京市", "", "通州区"},
	{"110114", "北京市", "", "昌平区"},
}

// oldBeijingCounties were abolished in 2010 (merged into 东城区/西城区).
var oldBeijingCounties = []county{
	{"110103", "北京市", "", "崇文区"},
	{"110104", "北京市", "", "宣武区"},
}

// outsideCounties are birth places and hukou divisions outside Beijing.
var outsideCounties = []county{
	{"130102", "河北省", "石家庄市", "长安区"},
	{"130203", "河北省", "唐山市", "路北区"},
	{"120101", "天津市", "", "和平区"},
	{"140105", "山西省", "太原市", "小店区"},
	{"370102", "山东省", "济南市", "历下区"},
	{"410105", "河南省", "郑州市", "金水区"},
	{"210102", "辽宁省", "沈阳市", "和平区"},
	{"230102", "黑龙江省", "哈尔滨市", "道里区"},
	{"320102", "江苏省", "南京市", "玄武区"},
	{"420102", "湖北省", "武汉市", "江岸区"},
	{"510104", "四川省", "成都市", "锦江区"},
	{"340102", "安徽省", "合肥市", "瑶海区"},
}

// xinjiangCounties are birth places of Uyghur residents.
var xinjiangCounties = []county{
	{"650102", "新疆维吾尔自治区", "乌鲁木齐市", "天山区"},
	{"653101", "新疆维吾尔自治区", "喀什地区", "喀什市"},
}

// dibaoStandard is one effective-dated Beijing dibao standard (fen per person
// per month), from ../shared/data/dibao_standards.tsv, Beijing rows.
type dibaoStandard struct {
	from string // effective from, yyyy-mm-dd
	fen  int64
}

// standardReviewMonths is dibao.yaml's parameter_review.standard_fen: a
// standard older than this is overdue, and the hub answers needs_review for
// every household the rules would decide eligible.
const standardReviewMonths = 13

var beijingDibaoStandards = []dibaoStandard{
	{"2015-01-01", 71000},  // chinahumanrights.org, 2016-01-05
	{"2018-01-01", 100000}, // China Daily, 2019-01-22
	{"2020-07-01", 117000}, // Beijing Civil Affairs Bureau, July 2020
	{"2022-07-01", 132000}, // reported 2022-09-02
}

// Demo dibao parameters (team brief).
const (
	incomeMonths       = 6
	depositLimitMonths = 24
	maxRealEstate      = 1
	maxVehicles        = 0
)

// Surnames, roughly by frequency (the first ones repeat in the draw).
var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
	"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
	"余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
	"石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
	"龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "武", "戴", "孔", "汤", "欧阳", "司马", "诸葛",
}

var maleGiven = []rune("伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志海峰亮东文博晨昊然轩睿子豪一泽")
var femaleGiven = []rune("芳娜敏静丽艳娟霞秀玲桂英丹萍红玉兰琳雪颖倩婷慧莉梅晶燕欣怡佳琪思涵萱瑶雨彤诗雅婉淑娴")

// Uyghur given names (transliterated); a full name is given name · father's name.
var uyghurMale = []string{"阿不都", "买买提", "艾尔肯", "艾力", "吐尔逊", "热合曼", "阿迪力", "努尔", "亚森", "依明"}
var uyghurFemale = []string{"古丽娜尔", "热依拉", "迪丽拜尔", "阿依古丽", "帕提古丽", "米娜瓦尔", "祖丽菲亚"}

// Ethnic groups of Han-style-named residents besides 汉族, GB 3304 codes.
var minorityEthnicities = []string{"03", "11", "02", "10", "15", "08"} // 回 满 蒙古 朝鲜 土家 壮

// Community name parts (synthetic names; codes are street code + 3 digits).
var communityPrefixes = []string{
	"光华", "永安", "秀水", "和平", "安华", "惠新", "望京", "花家地", "南湖", "利泽", "金台", "团结", "幸福", "农光", "劲松",
	"华威", "松榆", "武圣", "翠城", "百子湾", "大望", "红庙", "延静", "十里堡", "甜水园", "道家园", "甘露园", "青年路", "石佛营",
	"姚家园", "双桥", "安慧", "北辰", "樱花", "西坝河", "芍药居", "驼房营", "枣营", "农展", "新源", "水碓子", "朝阳", "东湖",
}
var communitySuffixes = []string{"东里", "西里", "南里", "北里", "家园", "花园", "新村", "小区"}

// employer is a synthetic employer with a valid GB 32100-2015 credit code.
type employer struct {
	name, creditCode string
	low              bool // low-wage sector (cleaning, catering, property service)
}

var employerNameParts = []string{"华信", "恒通", "金泰", "瑞丰", "博远", "中联", "鑫源", "东方", "盛世", "天成", "宏达", "嘉和", "京华", "普惠", "卓越", "安达", "新锐", "汇智", "明德", "永盛"}
var employerKinds = []string{"科技有限公司", "商贸有限公司", "建筑工程有限公司", "文化传媒有限公司", "信息技术有限公司", "医药有限公司", "咨询有限公司"}
var lowEmployerKinds = []string{"物业管理有限公司", "保洁服务有限公司", "餐饮管理有限公司", "家政服务有限公司", "快递服务有限公司"}

// nearbyStreets are streets outside the district where a few residents
// actually live (their residence certificate for 110105 must fail).
var nearbyStreets = []struct {
	street
	county string // county name
}{
	{street{"110108001", "万寿路街道"}, "海淀区"},
	{street{"110108003", "羊坊店街道"}, "海淀区"},
	{street{"110106001", "右安门街道"}, "丰台区"},
}
