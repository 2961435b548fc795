//! The demo data itself: Shizhu County's units, the platform catalogue and the accounts (a data
//! table, long by nature).

/// Every demo user's password (printed by `server serve --demo`).
pub const DEMO_PASSWORD: &str = "shizhu-demo-2026";

/// The demo sign-ins: (username, role, unit code).
pub const DEMO_USERS: [(&str, &str, Option<&str>); 5] = [
    ("submitter", "submitter", Some("education")),
    ("reviewer", "reviewer", Some("county-office")),
    ("admin", "admin", None),
    ("auditor", "auditor", None),
    ("security", "security_admin", None),
];

/// (code, kind, full legal name, short name, organisation-code seed; None for internal divisions).
pub(super) const UNITS: &[(&str, &str, &str, &str, Option<u32>)] = &[
    (
        "county-office",
        "county_office",
        "石柱土家族自治县人民政府办公室",
        "县政府办",
        Some(1),
    ),
    (
        "development",
        "department",
        "石柱土家族自治县发展和改革委员会",
        "县发展改革委",
        Some(2),
    ),
    (
        "education",
        "department",
        "石柱土家族自治县教育委员会",
        "县教委",
        Some(3),
    ),
    (
        "public-security",
        "department",
        "石柱土家族自治县公安局",
        "县公安局",
        Some(4),
    ),
    (
        "civil-affairs",
        "department",
        "石柱土家族自治县民政局",
        "县民政局",
        Some(5),
    ),
    (
        "human-resources",
        "department",
        "石柱土家族自治县人力资源和社会保障局",
        "县人力社保局",
        Some(6),
    ),
    (
        "ecology",
        "department",
        "石柱土家族自治县生态环境局",
        "县生态环境局",
        Some(7),
    ),
    (
        "transport",
        "department",
        "石柱土家族自治县交通运输委员会",
        "县交通运输委",
        Some(8),
    ),
    (
        "agriculture",
        "department",
        "石柱土家族自治县农业农村委员会",
        "县农业农村委",
        Some(9),
    ),
    (
        "culture-tourism",
        "department",
        "石柱土家族自治县文化和旅游发展委员会",
        "县文化旅游委",
        Some(10),
    ),
    (
        "health",
        "department",
        "石柱土家族自治县卫生健康委员会",
        "县卫生健康委",
        Some(11),
    ),
    (
        "emergency",
        "department",
        "石柱土家族自治县应急管理局",
        "县应急局",
        Some(12),
    ),
    (
        "market-regulation",
        "department",
        "石柱土家族自治县市场监督管理局",
        "县市场监管局",
        Some(13),
    ),
    (
        "nanbin",
        "subdistrict",
        "石柱土家族自治县南宾街道办事处",
        "南宾街道",
        Some(14),
    ),
    (
        "wan-an",
        "subdistrict",
        "石柱土家族自治县万安街道办事处",
        "万安街道",
        Some(15),
    ),
    (
        "xituo",
        "township",
        "石柱土家族自治县西沱镇人民政府",
        "西沱镇",
        Some(16),
    ),
    (
        "huangshui",
        "township",
        "石柱土家族自治县黄水镇人民政府",
        "黄水镇",
        Some(17),
    ),
    (
        "yuelai",
        "township",
        "石柱土家族自治县悦来镇人民政府",
        "悦来镇",
        Some(18),
    ),
    (
        "linxi",
        "township",
        "石柱土家族自治县临溪镇人民政府",
        "临溪镇",
        Some(19),
    ),
    (
        "media-center",
        "public_institution",
        "石柱土家族自治县融媒体中心",
        "县融媒体中心",
        Some(20),
    ),
    (
        "office-openness",
        "internal_division",
        "石柱土家族自治县人民政府办公室政务公开科",
        "政务公开科",
        None,
    ),
];

/// (code, Chinese name, English name, nationally approved, has a platform account ID).
pub(super) const PLATFORMS: &[(&str, &str, &str, bool, bool)] = &[
    (
        "wechat_oa",
        "微信公众号",
        "WeChat Official Account",
        true,
        true,
    ),
    (
        "wechat_channels",
        "微信视频号",
        "WeChat Channels",
        true,
        true,
    ),
    ("weibo", "新浪微博", "Weibo", true, true),
    ("douyin", "抖音", "Douyin", true, true),
    ("toutiao", "今日头条", "Toutiao", true, true),
    ("kuaishou", "快手", "Kuaishou", true, true),
    ("bilibili", "哔哩哔哩", "Bilibili", true, true),
    ("xiaohongshu", "小红书", "Xiaohongshu", true, true),
    ("app", "自建移动客户端", "Self-built app", true, false),
    ("mini_program", "微信小程序", "Mini program", true, true),
];

/// (unit code, platform code, account name, status, in the national reporting system).
pub(super) const ACCOUNTS: &[(&str, &str, &str, &str, bool)] = &[
    ("county-office", "wechat_oa", "石柱发布", "active", true),
    ("county-office", "weibo", "石柱发布", "active", true),
    ("county-office", "douyin", "石柱发布", "active", true),
    ("county-office", "toutiao", "石柱发布", "active", true),
    ("county-office", "app", "石柱政务", "active", true),
    ("development", "wechat_oa", "石柱发展改革", "active", true),
    ("education", "wechat_oa", "石柱教育", "active", true),
    ("education", "douyin", "石柱教育", "active", false),
    (
        "education",
        "wechat_channels",
        "石柱教育",
        "suspended",
        false,
    ),
    ("education", "toutiao", "石柱教育", "active", true),
    ("public-security", "wechat_oa", "平安石柱", "active", true),
    ("public-security", "weibo", "平安石柱", "active", true),
    ("public-security", "douyin", "平安石柱", "active", true),
    ("public-security", "kuaishou", "平安石柱", "active", false),
    ("civil-affairs", "wechat_oa", "石柱民政", "active", true),
    ("human-resources", "wechat_oa", "石柱人社", "active", true),
    (
        "human-resources",
        "mini_program",
        "石柱人社服务",
        "active",
        false,
    ),
    ("ecology", "wechat_oa", "石柱生态环境", "active", true),
    ("transport", "wechat_oa", "石柱交通", "deregistered", false),
    ("agriculture", "wechat_oa", "石柱农业农村", "active", true),
    ("culture-tourism", "wechat_oa", "黄水旅游", "active", true),
    ("culture-tourism", "douyin", "黄水旅游", "active", false),
    (
        "culture-tourism",
        "xiaohongshu",
        "黄水旅游",
        "active",
        false,
    ),
    ("culture-tourism", "bilibili", "黄水旅游", "active", false),
    ("health", "wechat_oa", "健康石柱", "active", true),
    ("emergency", "wechat_oa", "石柱应急", "active", true),
    (
        "market-regulation",
        "wechat_oa",
        "石柱市场监管",
        "suspended",
        true,
    ),
    ("nanbin", "wechat_oa", "南宾街道", "active", false),
    ("xituo", "wechat_oa", "西沱古镇", "active", false),
    ("huangshui", "douyin", "黄水镇", "active", false),
    ("media-center", "wechat_oa", "石柱融媒", "active", true),
    ("media-center", "douyin", "石柱融媒", "active", true),
];

pub(super) const SURNAMES: [&str; 8] = ["谭", "马", "秦", "冉", "向", "陈", "刘", "崔"];
pub(super) const GIVEN: [&str; 8] = ["明", "丽", "强", "芳", "勇", "静", "军", "燕"];
