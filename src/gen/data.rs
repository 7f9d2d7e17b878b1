//! Static reference data: airports (with IANA zones) and airlines.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// United States (including Hawaii).
    Us,
    Canada,
    Mexico,
    /// Central and South America.
    Latam,
    /// Europe, including Istanbul.
    Europe,
    MiddleEast,
    Africa,
    SouthAsia,
    EastAsia,
    SoutheastAsia,
    Oceania,
}

impl Region {
    /// Coarse continental grouping used by the destination gravity model.
    pub fn group(self) -> u8 {
        match self {
            Region::Us | Region::Canada | Region::Mexico => 0,
            Region::Latam => 1,
            Region::Europe | Region::MiddleEast | Region::Africa => 2,
            Region::SouthAsia | Region::EastAsia | Region::SoutheastAsia | Region::Oceania => 3,
        }
    }
}

pub struct Airport {
    pub code: &'static str,
    /// ISO 3166 country code.
    pub country: &'static str,
    pub tz: &'static str,
    pub lat: f64,
    pub lon: f64,
    /// Rough annual passengers in millions, used as a traffic weight.
    pub weight: u32,
    pub region: Region,
    /// Local currency when it is one of the non-USD currencies we emit.
    pub currency: Currency,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Currency {
    #[default]
    Usd,
    Eur,
    Gbp,
    Cad,
    Jpy,
}

impl Currency {
    pub fn code(self) -> &'static [u8; 3] {
        match self {
            Currency::Usd => b"USD",
            Currency::Eur => b"EUR",
            Currency::Gbp => b"GBP",
            Currency::Cad => b"CAD",
            Currency::Jpy => b"JPY",
        }
    }

    /// Every currency, in declaration order.
    pub const ALL: [Currency; 5] = [
        Currency::Usd,
        Currency::Eur,
        Currency::Gbp,
        Currency::Cad,
        Currency::Jpy,
    ];

    /// The name providers print (upper case, as in Amadeus dictionaries).
    pub fn name(self) -> &'static str {
        match self {
            Currency::Usd => "US DOLLAR",
            Currency::Eur => "EURO",
            Currency::Gbp => "POUND STERLING",
            Currency::Cad => "CANADIAN DOLLAR",
            Currency::Jpy => "YEN",
        }
    }

    /// Units of this currency per US dollar (fixed, approximate).
    pub fn per_usd(self) -> f64 {
        match self {
            Currency::Usd => 1.0,
            Currency::Eur => 0.92,
            Currency::Gbp => 0.79,
            Currency::Cad => 1.37,
            Currency::Jpy => 150.0,
        }
    }
}

macro_rules! ap {
    ($code:literal, $cc:literal, $tz:literal, $lat:expr, $lon:expr, $w:expr, $r:ident) => {
        ap!($code, $cc, $tz, $lat, $lon, $w, $r, Usd)
    };
    ($code:literal, $cc:literal, $tz:literal, $lat:expr, $lon:expr, $w:expr, $r:ident, $c:ident) => {
        Airport {
            code: $code,
            country: $cc,
            tz: $tz,
            lat: $lat,
            lon: $lon,
            weight: $w,
            region: Region::$r,
            currency: Currency::$c,
        }
    };
}

pub const AIRPORTS: &[Airport] = &[
    // United States
    ap!("ATL", "US", "America/New_York", 33.6407, -84.4277, 104, Us),
    ap!("DFW", "US", "America/Chicago", 32.8998, -97.0403, 82, Us),
    ap!("DEN", "US", "America/Denver", 39.8561, -104.6737, 78, Us),
    ap!("ORD", "US", "America/Chicago", 41.9742, -87.9073, 80, Us),
    ap!(
        "LAX",
        "US",
        "America/Los_Angeles",
        33.9416,
        -118.4085,
        75,
        Us
    ),
    ap!("JFK", "US", "America/New_York", 40.6413, -73.7781, 63, Us),
    ap!(
        "LAS",
        "US",
        "America/Los_Angeles",
        36.0840,
        -115.1537,
        58,
        Us
    ),
    ap!("MCO", "US", "America/New_York", 28.4312, -81.3081, 57, Us),
    ap!("MIA", "US", "America/New_York", 25.7959, -80.2870, 52, Us),
    ap!("CLT", "US", "America/New_York", 35.2144, -80.9473, 50, Us),
    ap!(
        "SEA",
        "US",
        "America/Los_Angeles",
        47.4502,
        -122.3088,
        51,
        Us
    ),
    ap!("PHX", "US", "America/Phoenix", 33.4342, -112.0116, 49, Us),
    ap!(
        "SFO",
        "US",
        "America/Los_Angeles",
        37.6213,
        -122.3790,
        50,
        Us
    ),
    ap!("EWR", "US", "America/New_York", 40.6895, -74.1745, 49, Us),
    ap!("IAH", "US", "America/Chicago", 29.9902, -95.3368, 46, Us),
    ap!("BOS", "US", "America/New_York", 42.3656, -71.0096, 40, Us),
    ap!("MSP", "US", "America/Chicago", 44.8848, -93.2223, 37, Us),
    ap!("DTW", "US", "America/Detroit", 42.2162, -83.3554, 32, Us),
    ap!("PHL", "US", "America/New_York", 39.8744, -75.2424, 30, Us),
    ap!(
        "SAN",
        "US",
        "America/Los_Angeles",
        32.7338,
        -117.1933,
        25,
        Us
    ),
    ap!("IAD", "US", "America/New_York", 38.9531, -77.4565, 25, Us),
    ap!("HNL", "US", "Pacific/Honolulu", 21.3187, -157.9225, 20, Us),
    // Canada and Mexico
    ap!(
        "YYZ",
        "CA",
        "America/Toronto",
        43.6777,
        -79.6248,
        45,
        Canada,
        Cad
    ),
    ap!(
        "YVR",
        "CA",
        "America/Vancouver",
        49.1967,
        -123.1815,
        25,
        Canada,
        Cad
    ),
    ap!(
        "YUL",
        "CA",
        "America/Toronto",
        45.4706,
        -73.7408,
        21,
        Canada,
        Cad
    ),
    ap!(
        "MEX",
        "MX",
        "America/Mexico_City",
        19.4361,
        -99.0719,
        48,
        Mexico
    ),
    ap!("CUN", "MX", "America/Cancun", 21.0365, -86.8771, 30, Mexico),
    // Central and South America
    ap!(
        "GRU",
        "BR",
        "America/Sao_Paulo",
        -23.4356,
        -46.4731,
        41,
        Latam
    ),
    ap!("BOG", "CO", "America/Bogota", 4.7016, -74.1469, 40, Latam),
    ap!("LIM", "PE", "America/Lima", -12.0219, -77.1143, 24, Latam),
    ap!(
        "SCL",
        "CL",
        "America/Santiago",
        -33.3930,
        -70.7858,
        24,
        Latam
    ),
    ap!(
        "EZE",
        "AR",
        "America/Argentina/Buenos_Aires",
        -34.8222,
        -58.5358,
        12,
        Latam
    ),
    ap!("PTY", "PA", "America/Panama", 9.0714, -79.3835, 18, Latam),
    // Europe
    ap!(
        "LHR",
        "GB",
        "Europe/London",
        51.4700,
        -0.4543,
        80,
        Europe,
        Gbp
    ),
    ap!(
        "LGW",
        "GB",
        "Europe/London",
        51.1537,
        -0.1821,
        41,
        Europe,
        Gbp
    ),
    ap!(
        "CDG",
        "FR",
        "Europe/Paris",
        49.0097,
        2.5479,
        67,
        Europe,
        Eur
    ),
    ap!(
        "FRA",
        "DE",
        "Europe/Berlin",
        50.0379,
        8.5622,
        60,
        Europe,
        Eur
    ),
    ap!(
        "AMS",
        "NL",
        "Europe/Amsterdam",
        52.3105,
        4.7683,
        62,
        Europe,
        Eur
    ),
    ap!(
        "MAD",
        "ES",
        "Europe/Madrid",
        40.4983,
        -3.5676,
        60,
        Europe,
        Eur
    ),
    ap!(
        "BCN",
        "ES",
        "Europe/Madrid",
        41.2974,
        2.0833,
        50,
        Europe,
        Eur
    ),
    ap!(
        "FCO",
        "IT",
        "Europe/Rome",
        41.8003,
        12.2389,
        44,
        Europe,
        Eur
    ),
    ap!(
        "MUC",
        "DE",
        "Europe/Berlin",
        48.3537,
        11.7750,
        41,
        Europe,
        Eur
    ),
    ap!("ZRH", "CH", "Europe/Zurich", 47.4582, 8.5555, 31, Europe),
    ap!(
        "VIE",
        "AT",
        "Europe/Vienna",
        48.1103,
        16.5697,
        31,
        Europe,
        Eur
    ),
    ap!(
        "CPH",
        "DK",
        "Europe/Copenhagen",
        55.6180,
        12.6508,
        29,
        Europe
    ),
    ap!(
        "DUB",
        "IE",
        "Europe/Dublin",
        53.4264,
        -6.2499,
        33,
        Europe,
        Eur
    ),
    ap!(
        "LIS",
        "PT",
        "Europe/Lisbon",
        38.7742,
        -9.1342,
        33,
        Europe,
        Eur
    ),
    ap!("IST", "TR", "Europe/Istanbul", 41.2753, 28.7519, 76, Europe),
    // Middle East and Africa
    ap!("DXB", "AE", "Asia/Dubai", 25.2532, 55.3657, 92, MiddleEast),
    ap!("DOH", "QA", "Asia/Qatar", 25.2731, 51.6081, 52, MiddleEast),
    ap!("CAI", "EG", "Africa/Cairo", 30.1219, 31.4056, 30, Africa),
    ap!(
        "ADD",
        "ET",
        "Africa/Addis_Ababa",
        8.9779,
        38.7993,
        12,
        Africa
    ),
    ap!(
        "JNB",
        "ZA",
        "Africa/Johannesburg",
        -26.1367,
        28.2411,
        21,
        Africa
    ),
    // South Asia
    ap!("DEL", "IN", "Asia/Kolkata", 28.5562, 77.1000, 74, SouthAsia),
    ap!("BOM", "IN", "Asia/Kolkata", 19.0896, 72.8656, 52, SouthAsia),
    // East Asia
    ap!(
        "HND",
        "JP",
        "Asia/Tokyo",
        35.5494,
        139.7798,
        85,
        EastAsia,
        Jpy
    ),
    ap!(
        "NRT",
        "JP",
        "Asia/Tokyo",
        35.7720,
        140.3929,
        33,
        EastAsia,
        Jpy
    ),
    ap!("ICN", "KR", "Asia/Seoul", 37.4602, 126.4407, 71, EastAsia),
    ap!(
        "PEK",
        "CN",
        "Asia/Shanghai",
        40.0799,
        116.6031,
        67,
        EastAsia
    ),
    ap!(
        "PVG",
        "CN",
        "Asia/Shanghai",
        31.1443,
        121.8083,
        70,
        EastAsia
    ),
    ap!(
        "CAN",
        "CN",
        "Asia/Shanghai",
        23.3924,
        113.2988,
        76,
        EastAsia
    ),
    ap!(
        "HKG",
        "HK",
        "Asia/Hong_Kong",
        22.3080,
        113.9185,
        53,
        EastAsia
    ),
    ap!("TPE", "TW", "Asia/Taipei", 25.0797, 121.2342, 35, EastAsia),
    // Southeast Asia
    ap!(
        "SIN",
        "SG",
        "Asia/Singapore",
        1.3644,
        103.9915,
        68,
        SoutheastAsia
    ),
    ap!(
        "BKK",
        "TH",
        "Asia/Bangkok",
        13.6900,
        100.7501,
        60,
        SoutheastAsia
    ),
    ap!(
        "KUL",
        "MY",
        "Asia/Kuala_Lumpur",
        2.7456,
        101.7072,
        57,
        SoutheastAsia
    ),
    ap!(
        "CGK",
        "ID",
        "Asia/Jakarta",
        -6.1256,
        106.6559,
        50,
        SoutheastAsia
    ),
    ap!(
        "MNL",
        "PH",
        "Asia/Manila",
        14.5086,
        121.0194,
        45,
        SoutheastAsia
    ),
    // Oceania
    ap!(
        "SYD",
        "AU",
        "Australia/Sydney",
        -33.9399,
        151.1753,
        41,
        Oceania
    ),
    ap!(
        "MEL",
        "AU",
        "Australia/Melbourne",
        -37.6690,
        144.8410,
        35,
        Oceania
    ),
    ap!(
        "AKL",
        "NZ",
        "Pacific/Auckland",
        -37.0082,
        174.7850,
        19,
        Oceania
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alliance {
    None,
    Star,
    Oneworld,
    SkyTeam,
}

pub struct Airline {
    pub code: &'static str,
    /// Relative market weight.
    pub weight: u32,
    pub alliance: Alliance,
    pub home: Region,
    /// ISO 3166 country code of the carrier.
    pub country: &'static str,
    /// Low-cost / domestic-focused carrier: flies only within its home country
    /// (and to Mexico for US carriers).
    pub domestic: bool,
    pub hubs: &'static [&'static str],
}

macro_rules! al {
    ($code:literal, $w:expr, $al:ident, $home:ident, $cc:literal, $dom:expr, [$($hub:literal),*]) => {
        Airline {
            code: $code,
            weight: $w,
            alliance: Alliance::$al,
            home: Region::$home,
            country: $cc,
            domestic: $dom,
            hubs: &[$($hub),*],
        }
    };
}

pub const AIRLINES: &[Airline] = &[
    al!(
        "AA",
        10,
        Oneworld,
        Us,
        "US",
        false,
        ["DFW", "CLT", "MIA", "ORD", "PHL", "JFK", "LAX", "PHX"]
    ),
    al!(
        "DL",
        10,
        SkyTeam,
        Us,
        "US",
        false,
        ["ATL", "DTW", "MSP", "JFK", "LAX", "SEA", "BOS"]
    ),
    al!(
        "UA",
        9,
        Star,
        Us,
        "US",
        false,
        ["ORD", "DEN", "IAH", "SFO", "EWR", "IAD", "LAX"]
    ),
    al!("B6", 3, None, Us, "US", false, ["JFK", "BOS"]),
    al!("WN", 6, None, Us, "US", true, ["DEN", "LAS", "PHX"]),
    al!("AS", 3, Oneworld, Us, "US", false, ["SEA", "SFO", "HNL"]),
    al!("NK", 2, None, Us, "US", true, ["LAS"]),
    al!("F9", 2, None, Us, "US", true, ["DEN"]),
    al!("AC", 4, Star, Canada, "CA", false, ["YYZ", "YVR", "YUL"]),
    al!("AM", 2, SkyTeam, Mexico, "MX", false, ["MEX"]),
    al!("LA", 3, None, Latam, "BR", false, ["GRU", "SCL", "LIM"]),
    al!("AV", 2, Star, Latam, "CO", false, ["BOG"]),
    al!("CM", 1, Star, Latam, "PA", false, ["PTY"]),
    al!("BA", 5, Oneworld, Europe, "GB", false, ["LHR", "LGW"]),
    al!("AF", 5, SkyTeam, Europe, "FR", false, ["CDG"]),
    al!("KL", 4, SkyTeam, Europe, "NL", false, ["AMS"]),
    al!("LH", 5, Star, Europe, "DE", false, ["FRA", "MUC"]),
    al!("IB", 3, Oneworld, Europe, "ES", false, ["MAD"]),
    al!("AZ", 2, Star, Europe, "IT", false, ["FCO"]),
    al!("LX", 2, Star, Europe, "CH", false, ["ZRH"]),
    al!("OS", 1, Star, Europe, "AT", false, ["VIE"]),
    al!("SK", 1, SkyTeam, Europe, "DK", false, ["CPH"]),
    al!("EI", 1, None, Europe, "IE", false, ["DUB"]),
    al!("TP", 1, Star, Europe, "PT", false, ["LIS"]),
    al!("TK", 5, Star, Europe, "TR", false, ["IST"]),
    al!("EK", 5, None, MiddleEast, "AE", false, ["DXB"]),
    al!("QR", 4, Oneworld, MiddleEast, "QA", false, ["DOH"]),
    al!("MS", 1, Star, Africa, "EG", false, ["CAI"]),
    al!("ET", 1, Star, Africa, "ET", false, ["ADD"]),
    al!("AI", 3, Star, SouthAsia, "IN", false, ["DEL", "BOM"]),
    al!("SQ", 3, Star, SoutheastAsia, "SG", false, ["SIN"]),
    al!("TG", 2, Star, SoutheastAsia, "TH", false, ["BKK"]),
    al!("MH", 1, Oneworld, SoutheastAsia, "MY", false, ["KUL"]),
    al!("CX", 3, Oneworld, EastAsia, "HK", false, ["HKG"]),
    al!("JL", 3, Oneworld, EastAsia, "JP", false, ["HND", "NRT"]),
    al!("NH", 3, Star, EastAsia, "JP", false, ["HND", "NRT"]),
    al!("KE", 3, SkyTeam, EastAsia, "KR", false, ["ICN"]),
    al!("CA", 3, Star, EastAsia, "CN", false, ["PEK"]),
    al!("MU", 3, SkyTeam, EastAsia, "CN", false, ["PVG"]),
    al!("CZ", 3, None, EastAsia, "CN", false, ["CAN"]),
    al!("BR", 1, Star, EastAsia, "TW", false, ["TPE"]),
    al!("QF", 3, Oneworld, Oceania, "AU", false, ["SYD", "MEL"]),
    al!("NZ", 1, Star, Oceania, "NZ", false, ["AKL"]),
];

/// Hand-picked busy routes, injected on top of the gravity model so that a
/// few city pairs (JFK-LAX above all) are common, as in real search logs.
pub const POPULAR_ROUTES: &[(&str, &str, u32)] = &[
    ("JFK", "LAX", 40),
    ("LAX", "JFK", 20),
    ("JFK", "SFO", 8),
    ("SFO", "JFK", 8),
    ("JFK", "LHR", 8),
    ("LHR", "JFK", 8),
    ("ATL", "MCO", 4),
    ("LHR", "DXB", 4),
    ("HND", "SIN", 3),
    ("SYD", "MEL", 3),
];

pub const PROVIDERS: &[(&str, &str, u32)] = &[
    ("amadeus", "am", 30),
    ("duffel", "du", 15),
    ("kiwi", "ki", 15),
    ("sabre", "sa", 20),
    ("skyscanner", "sk", 20),
];

pub const CABINS: &[(&str, u32, f64)] = &[
    ("economy", 78, 1.0),
    ("premium_economy", 10, 1.65),
    ("business", 10, 3.8),
    ("first", 2, 7.0),
];
