"""Curated tables used by ``build_catalogue.py``.

Everything here is hand-maintained reference knowledge: the OSM tag to Plaid
category/MCC mapping, the allowlist of simple-icons brands that are consumer
merchants, descriptor aliases as banks print them, and the filters
(intermediaries, short common words, hosting platforms).  The hand-kept
merchants themselves are in ``curated_merchants.tsv``.  Category values are
Plaid DETAILED names; the build script checks every one against the taxonomy
CSV and every MCC against ``iso18245``.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = [
    "ALIAS_EXTRAS",
    "CATEGORY_OVERRIDES",
    "EXCLUDED_NAMES",
    "ISO_COUNTRIES",
    "OPERATOR_CATEGORIES",
    "PLATFORM_DOMAINS",
    "PSEUDO_SUFFIXES",
    "SECONDARY_TAGS",
    "SECOND_LEVEL_LABELS",
    "SHORT_COMMON_WORDS",
    "SIMPLE_ICONS_ALLOW",
    "TAG_CATEGORIES",
    "VENDING_FOOD",
    "WEBSITE_OVERRIDES",
    "SiSpec",
]

# --------------------------------------------------------------------------
# OSM tag ("key/value", as in NSI tree paths) -> (Plaid DETAILED, MCC).
# Tags absent here (banks, ATMs, government, infrastructure, clubs, ...) are
# not consumer merchants and are skipped.
# --------------------------------------------------------------------------
TAG_CATEGORIES: Final[dict[str, tuple[str, str]]] = {
    # amenity
    "amenity/animal_boarding": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7299"),
    "amenity/bar": ("FOOD_AND_DRINK_RESTAURANT", "5813"),
    "amenity/pub": ("FOOD_AND_DRINK_RESTAURANT", "5813"),
    "amenity/bicycle_rental": ("TRANSPORTATION_BIKES_AND_SCOOTERS", "4111"),
    "amenity/cafe": ("FOOD_AND_DRINK_COFFEE", "5814"),
    "amenity/car_rental": ("TRAVEL_RENTAL_CARS", "7512"),
    "amenity/car_sharing": ("TRAVEL_RENTAL_CARS", "7512"),
    "amenity/motorcycle_rental": ("TRAVEL_RENTAL_CARS", "7512"),
    "amenity/car_wash": ("GENERAL_SERVICES_AUTOMOTIVE", "7542"),
    "amenity/casino": ("ENTERTAINMENT_CASINOS_AND_GAMBLING", "7995"),
    "amenity/gambling": ("ENTERTAINMENT_CASINOS_AND_GAMBLING", "7995"),
    "amenity/charging_station": ("TRANSPORTATION_OTHER_TRANSPORTATION", "5552"),
    "man_made/charge_point": ("TRANSPORTATION_OTHER_TRANSPORTATION", "5552"),
    "amenity/childcare": ("GENERAL_SERVICES_CHILDCARE", "8351"),
    "amenity/kindergarten": ("GENERAL_SERVICES_CHILDCARE", "8351"),
    "amenity/cinema": ("ENTERTAINMENT_TV_AND_MOVIES", "7832"),
    "amenity/clinic": ("MEDICAL_PRIMARY_CARE", "8011"),
    "amenity/doctors": ("MEDICAL_PRIMARY_CARE", "8011"),
    "amenity/college": ("GENERAL_SERVICES_EDUCATION", "8220"),
    "amenity/university": ("GENERAL_SERVICES_EDUCATION", "8220"),
    "amenity/school": ("GENERAL_SERVICES_EDUCATION", "8211"),
    "amenity/prep_school": ("GENERAL_SERVICES_EDUCATION", "8299"),
    "amenity/language_school": ("GENERAL_SERVICES_EDUCATION", "8299"),
    "amenity/music_school": ("GENERAL_SERVICES_EDUCATION", "8299"),
    "amenity/driving_school": ("GENERAL_SERVICES_EDUCATION", "8299"),
    "amenity/training": ("GENERAL_SERVICES_EDUCATION", "8249"),
    "amenity/dentist": ("MEDICAL_DENTAL_CARE", "8021"),
    "amenity/fast_food": ("FOOD_AND_DRINK_FAST_FOOD", "5814"),
    "amenity/fuel": ("TRANSPORTATION_GAS", "5541"),
    "waterway/fuel": ("TRANSPORTATION_GAS", "5541"),
    "amenity/hospital": ("MEDICAL_OTHER_MEDICAL", "8062"),
    "amenity/ice_cream": ("FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK", "5814"),
    "amenity/internet_cafe": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "4816"),
    "amenity/karaoke_box": ("ENTERTAINMENT_OTHER_ENTERTAINMENT", "7999"),
    "amenity/money_transfer": ("TRANSFER_OUT_OTHER_TRANSFER_OUT", "4829"),
    "amenity/parcel_locker": ("GENERAL_SERVICES_POSTAGE_AND_SHIPPING", "4215"),
    "amenity/post_office": ("GENERAL_SERVICES_POSTAGE_AND_SHIPPING", "9402"),
    "amenity/parking": ("TRANSPORTATION_PARKING", "7523"),
    "amenity/pharmacy": ("MEDICAL_PHARMACIES_AND_SUPPLEMENTS", "5912"),
    "amenity/photo_booth": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7395"),
    "amenity/restaurant": ("FOOD_AND_DRINK_RESTAURANT", "5812"),
    "amenity/vehicle_inspection": ("GENERAL_SERVICES_AUTOMOTIVE", "7538"),
    "amenity/veterinary": ("MEDICAL_VETERINARY_SERVICES", "0742"),
    "amenity/vending_machine": ("FOOD_AND_DRINK_VENDING_MACHINES", "5499"),
    # craft
    "craft/carpenter": ("HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE", "1750"),
    "craft/electrician": ("HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE", "1731"),
    "craft/plumber": ("HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE", "1711"),
    "craft/painter": ("HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE", "1799"),
    "craft/glaziery": ("HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE", "1799"),
    "craft/window_construction": ("HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE", "1799"),
    "craft/cleaning": ("HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE", "7349"),
    "craft/electronics_repair": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7622"),
    # healthcare
    "healthcare/alternative": ("MEDICAL_OTHER_MEDICAL", "8099"),
    "healthcare/audiologist": ("MEDICAL_OTHER_MEDICAL", "8099"),
    "healthcare/counselling": ("MEDICAL_OTHER_MEDICAL", "8099"),
    "healthcare/dialysis": ("MEDICAL_OTHER_MEDICAL", "8099"),
    "healthcare/laboratory": ("MEDICAL_OTHER_MEDICAL", "8071"),
    "healthcare/sample_collection": ("MEDICAL_OTHER_MEDICAL", "8071"),
    "healthcare/physiotherapist": ("MEDICAL_OTHER_MEDICAL", "8099"),
    "healthcare/rehabilitation": ("MEDICAL_OTHER_MEDICAL", "8099"),
    # leisure
    "leisure/adult_gaming_centre": ("ENTERTAINMENT_CASINOS_AND_GAMBLING", "7995"),
    "leisure/amusement_arcade": ("ENTERTAINMENT_OTHER_ENTERTAINMENT", "7994"),
    "leisure/bowling_alley": ("ENTERTAINMENT_OTHER_ENTERTAINMENT", "7933"),
    "leisure/dance": ("ENTERTAINMENT_OTHER_ENTERTAINMENT", "7911"),
    "leisure/escape_game": ("ENTERTAINMENT_OTHER_ENTERTAINMENT", "7999"),
    "leisure/fitness_centre": ("PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS", "7997"),
    "leisure/sports_centre": ("PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS", "7997"),
    "leisure/high_ropes_course": (
        "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS",
        "7999",
    ),
    "leisure/indoor_play": ("ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS", "7999"),
    "leisure/miniature_golf": ("ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS", "7999"),
    "leisure/trampoline_park": (
        "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS",
        "7999",
    ),
    "leisure/sauna": ("PERSONAL_CARE_OTHER_PERSONAL_CARE", "7298"),
    # tourism
    "tourism/hotel": ("TRAVEL_LODGING", "7011"),
    "tourism/motel": ("TRAVEL_LODGING", "7011"),
    "tourism/hostel": ("TRAVEL_LODGING", "7011"),
    "tourism/caravan_site": ("TRAVEL_LODGING", "7033"),
    "tourism/theme_park": ("ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS", "7996"),
    # office
    "office/insurance": ("GENERAL_SERVICES_INSURANCE", "6300"),
    "office/insurance_adjuster": ("GENERAL_SERVICES_INSURANCE", "6300"),
    "office/estate_agent": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "6513"),
    "office/financial_advisor": ("GENERAL_SERVICES_ACCOUNTING_AND_FINANCIAL_PLANNING", "8999"),
    "office/tax_advisor": ("GENERAL_SERVICES_ACCOUNTING_AND_FINANCIAL_PLANNING", "7276"),
    "office/mortgage": ("LOAN_PAYMENTS_MORTGAGE_PAYMENT", "6012"),
    "office/lawyer": ("GENERAL_SERVICES_CONSULTING_AND_LEGAL", "8111"),
    "office/consulting": ("GENERAL_SERVICES_CONSULTING_AND_LEGAL", "7392"),
    "office/employment_agency": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7361"),
    "office/coworking": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7399"),
    "office/moving_company": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "4214"),
    "office/logistics": ("GENERAL_SERVICES_POSTAGE_AND_SHIPPING", "4215"),
    "office/telecommunication": ("RENT_AND_UTILITIES_TELEPHONE", "4814"),
    "office/security": ("HOME_IMPROVEMENT_SECURITY", "7393"),
    # shop
    "shop/agrarian": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5999"),
    "shop/country_store": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5999"),
    "shop/alcohol": ("FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR", "5921"),
    "shop/wine": ("FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR", "5921"),
    "shop/beverages": ("FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR", "5921"),
    "shop/anime": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5945"),
    "shop/games": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5945"),
    "shop/model": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5945"),
    "shop/toys": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5945"),
    "shop/video_games": ("ENTERTAINMENT_VIDEO_GAMES", "5945"),
    "shop/appliance": ("GENERAL_MERCHANDISE_ELECTRONICS", "5732"),
    "shop/electronics": ("GENERAL_MERCHANDISE_ELECTRONICS", "5732"),
    "shop/computer": ("GENERAL_MERCHANDISE_ELECTRONICS", "5732"),
    "shop/hifi": ("GENERAL_MERCHANDISE_ELECTRONICS", "5732"),
    "shop/vacuum_cleaner": ("GENERAL_MERCHANDISE_ELECTRONICS", "5732"),
    "shop/mobile_phone_accessories": ("GENERAL_MERCHANDISE_ELECTRONICS", "5732"),
    "shop/camera": ("GENERAL_MERCHANDISE_ELECTRONICS", "5946"),
    "shop/photo": ("GENERAL_MERCHANDISE_ELECTRONICS", "5946"),
    "shop/electrical": ("HOME_IMPROVEMENT_HARDWARE", "5251"),
    "shop/mobile_phone": ("RENT_AND_UTILITIES_TELEPHONE", "4814"),
    "shop/telecommunication": ("RENT_AND_UTILITIES_TELEPHONE", "4814"),
    "shop/art": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5970"),
    "shop/craft": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5970"),
    "shop/frame": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5970"),
    "shop/pottery": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5970"),
    "shop/candles": ("GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES", "5947"),
    "shop/fabric": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5949"),
    "shop/baby_goods": ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", "5641"),
    "shop/bag": ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", "5948"),
    "shop/leather": ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", "5948"),
    "shop/fashion_accessories": ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", "5631"),
    "shop/clothes": ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", "5651"),
    "shop/shoes": ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", "5661"),
    "shop/jewelry": ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", "5944"),
    "shop/watches": ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", "5944"),
    "shop/tailor": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "5697"),
    "shop/shoe_repair": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7251"),
    "shop/bakery": ("FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK", "5462"),
    "shop/pastry": ("FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK", "5462"),
    "shop/confectionery": ("FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK", "5441"),
    "shop/chocolate": ("FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK", "5441"),
    "shop/nuts": ("FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK", "5441"),
    "shop/tea": ("FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK", "5499"),
    "shop/coffee": ("FOOD_AND_DRINK_COFFEE", "5499"),
    "shop/butcher": ("FOOD_AND_DRINK_GROCERIES", "5422"),
    "shop/cheese": ("FOOD_AND_DRINK_GROCERIES", "5451"),
    "shop/dairy": ("FOOD_AND_DRINK_GROCERIES", "5451"),
    "shop/deli": ("FOOD_AND_DRINK_GROCERIES", "5499"),
    "shop/seafood": ("FOOD_AND_DRINK_GROCERIES", "5499"),
    "shop/greengrocer": ("FOOD_AND_DRINK_GROCERIES", "5499"),
    "shop/frozen_food": ("FOOD_AND_DRINK_GROCERIES", "5499"),
    "shop/health_food": ("FOOD_AND_DRINK_GROCERIES", "5499"),
    "shop/spices": ("FOOD_AND_DRINK_GROCERIES", "5499"),
    "shop/supermarket": ("FOOD_AND_DRINK_GROCERIES", "5411"),
    "shop/convenience": ("GENERAL_MERCHANDISE_CONVENIENCE_STORES", "5499"),
    "shop/bathroom_furnishing": ("HOME_IMPROVEMENT_HARDWARE", "5211"),
    "shop/tiles": ("HOME_IMPROVEMENT_HARDWARE", "5211"),
    "shop/doors": ("HOME_IMPROVEMENT_HARDWARE", "5211"),
    "shop/trade": ("HOME_IMPROVEMENT_HARDWARE", "5211"),
    "shop/doityourself": ("HOME_IMPROVEMENT_HARDWARE", "5200"),
    "shop/hardware": ("HOME_IMPROVEMENT_HARDWARE", "5251"),
    "shop/paint": ("HOME_IMPROVEMENT_HARDWARE", "5231"),
    "shop/garden_centre": ("HOME_IMPROVEMENT_HARDWARE", "5261"),
    "shop/power_tools": ("HOME_IMPROVEMENT_HARDWARE", "5251"),
    "shop/tool_hire": ("HOME_IMPROVEMENT_HARDWARE", "7394"),
    "shop/plant_hire": ("HOME_IMPROVEMENT_HARDWARE", "7394"),
    "shop/bed": ("HOME_IMPROVEMENT_FURNITURE", "5712"),
    "shop/furniture": ("HOME_IMPROVEMENT_FURNITURE", "5712"),
    "shop/kitchen": ("HOME_IMPROVEMENT_FURNITURE", "5712"),
    "shop/carpet": ("HOME_IMPROVEMENT_FURNITURE", "5713"),
    "shop/flooring": ("HOME_IMPROVEMENT_FURNITURE", "5713"),
    "shop/curtain": ("HOME_IMPROVEMENT_FURNITURE", "5714"),
    "shop/window_blind": ("HOME_IMPROVEMENT_FURNITURE", "5714"),
    "shop/household_linen": ("HOME_IMPROVEMENT_FURNITURE", "5714"),
    "shop/houseware": ("HOME_IMPROVEMENT_FURNITURE", "5719"),
    "shop/interior_decoration": ("HOME_IMPROVEMENT_FURNITURE", "5719"),
    "shop/lighting": ("HOME_IMPROVEMENT_FURNITURE", "5719"),
    "shop/swimming_pool": ("HOME_IMPROVEMENT_OTHER_HOME_IMPROVEMENT", "5999"),
    "shop/beauty": ("PERSONAL_CARE_HAIR_AND_BEAUTY", "7230"),
    "shop/hairdresser": ("PERSONAL_CARE_HAIR_AND_BEAUTY", "7230"),
    "shop/massage": ("PERSONAL_CARE_OTHER_PERSONAL_CARE", "7297"),
    "shop/tattoo": ("PERSONAL_CARE_OTHER_PERSONAL_CARE", "7299"),
    "shop/cosmetics": ("PERSONAL_CARE_HAIR_AND_BEAUTY", "5977"),
    "shop/perfumery": ("PERSONAL_CARE_HAIR_AND_BEAUTY", "5977"),
    "shop/hairdresser_supply": ("PERSONAL_CARE_HAIR_AND_BEAUTY", "5977"),
    "shop/chemist": ("MEDICAL_PHARMACIES_AND_SUPPLEMENTS", "5912"),
    "shop/herbalist": ("MEDICAL_PHARMACIES_AND_SUPPLEMENTS", "5499"),
    "shop/nutrition_supplements": ("MEDICAL_PHARMACIES_AND_SUPPLEMENTS", "5499"),
    "shop/medical_supply": ("MEDICAL_OTHER_MEDICAL", "5976"),
    "shop/hearing_aids": ("MEDICAL_OTHER_MEDICAL", "5975"),
    "shop/optician": ("MEDICAL_EYE_CARE", "8043"),
    "shop/bicycle": ("GENERAL_MERCHANDISE_SPORTING_GOODS", "5940"),
    "shop/sports": ("GENERAL_MERCHANDISE_SPORTING_GOODS", "5941"),
    "shop/outdoor": ("GENERAL_MERCHANDISE_SPORTING_GOODS", "5941"),
    "shop/fishing": ("GENERAL_MERCHANDISE_SPORTING_GOODS", "5941"),
    "shop/boat": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5551"),
    "shop/books": ("GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS", "5942"),
    "shop/newsagent": ("GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS", "5994"),
    "shop/kiosk": ("GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS", "5994"),
    "shop/cannabis": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5999"),
    "shop/tobacco": ("GENERAL_MERCHANDISE_TOBACCO_AND_VAPE", "5993"),
    "shop/e-cigarette": ("GENERAL_MERCHANDISE_TOBACCO_AND_VAPE", "5993"),
    "shop/car": ("GENERAL_SERVICES_AUTOMOTIVE", "5511"),
    "shop/truck": ("GENERAL_SERVICES_AUTOMOTIVE", "5511"),
    "shop/motorcycle": ("GENERAL_SERVICES_AUTOMOTIVE", "5571"),
    "shop/caravan": ("GENERAL_SERVICES_AUTOMOTIVE", "5561"),
    "shop/tractor": ("GENERAL_SERVICES_AUTOMOTIVE", "5599"),
    "shop/car_parts": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5533"),
    "shop/tyres": ("GENERAL_SERVICES_AUTOMOTIVE", "5532"),
    "shop/car_repair": ("GENERAL_SERVICES_AUTOMOTIVE", "7538"),
    "shop/motorcycle_repair": ("GENERAL_SERVICES_AUTOMOTIVE", "7538"),
    "shop/truck_repair": ("GENERAL_SERVICES_AUTOMOTIVE", "7538"),
    "shop/tractor_repair": ("GENERAL_SERVICES_AUTOMOTIVE", "7538"),
    "shop/catalogue": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5964"),
    "shop/charity": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5931"),
    "shop/second_hand": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5931"),
    "shop/pawnbroker": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5933"),
    "shop/copyshop": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7338"),
    "shop/department_store": ("GENERAL_MERCHANDISE_DEPARTMENT_STORES", "5311"),
    "shop/variety_store": ("GENERAL_MERCHANDISE_DISCOUNT_STORES", "5331"),
    "shop/general": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5399"),
    "shop/wholesale": ("GENERAL_MERCHANDISE_SUPERSTORES", "5300"),
    "shop/dry_cleaning": ("PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING", "7216"),
    "shop/laundry": ("PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING", "7211"),
    "shop/erotic": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5999"),
    "shop/pyrotechnics": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5999"),
    "shop/florist": ("GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES", "5992"),
    "shop/gift": ("GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES", "5947"),
    "shop/party": ("GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES", "5947"),
    "shop/funeral_directors": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7261"),
    "shop/gas": ("RENT_AND_UTILITIES_GAS_AND_ELECTRICITY", "5983"),
    "shop/glaziery": ("HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE", "1799"),
    "shop/groundskeeping": ("HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE", "0780"),
    "shop/pest_control": ("HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE", "7342"),
    "shop/locksmith": ("HOME_IMPROVEMENT_SECURITY", "7699"),
    "shop/bookmaker": ("ENTERTAINMENT_CASINOS_AND_GAMBLING", "7995"),
    "shop/lottery": ("ENTERTAINMENT_CASINOS_AND_GAMBLING", "7995"),
    "shop/money_lender": ("LOAN_PAYMENTS_PERSONAL_LOAN_PAYMENT", "6012"),
    "shop/music": ("ENTERTAINMENT_MUSIC_AND_AUDIO", "5735"),
    "shop/musical_instrument": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5733"),
    "shop/pet": ("GENERAL_MERCHANDISE_PET_SUPPLIES", "5995"),
    "shop/printer_ink": ("GENERAL_MERCHANDISE_OFFICE_SUPPLIES", "5943"),
    "shop/stationery": ("GENERAL_MERCHANDISE_OFFICE_SUPPLIES", "5943"),
    "shop/rental": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7394"),
    "shop/repair": ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7699"),
    "shop/storage_rental": ("GENERAL_SERVICES_STORAGE", "4225"),
    "shop/ticket": ("ENTERTAINMENT_OTHER_ENTERTAINMENT", "7922"),
    "shop/travel_agency": ("TRAVEL_OTHER_TRAVEL", "4722"),
    "shop/video": ("ENTERTAINMENT_TV_AND_MOVIES", "7841"),
}

# Service counters inside bigger stores (fuel, pharmacy, optician, ...).  When
# a brand appears under several tags, its main-store tag wins over these.
SECONDARY_TAGS: Final[frozenset[str]] = frozenset(
    {
        "amenity/fuel",
        "amenity/car_wash",
        "amenity/pharmacy",
        "amenity/parcel_locker",
        "amenity/charging_station",
        "man_made/charge_point",
        "amenity/cafe",
        "amenity/fast_food",
        "amenity/ice_cream",
        "amenity/vending_machine",
        "amenity/photo_booth",
        "amenity/money_transfer",
        "shop/optician",
        "shop/hearing_aids",
        "shop/tyres",
        "shop/garden_centre",
        "shop/mobile_phone",
        "shop/dry_cleaning",
        "shop/photo",
        "shop/car_repair",
    }
)

# amenity=vending_machine brands only count when they sell food or drink.
VENDING_FOOD: Final[frozenset[str]] = frozenset(
    {
        "drinks",
        "coffee",
        "food",
        "ice_cream",
        "water",
        "sweets",
        "bread",
        "pizza",
    }
)

# NSI "operators" trees kept (utilities that bill households).
OPERATOR_CATEGORIES: Final[dict[str, tuple[str, str]]] = {
    "office/energy_supplier": ("RENT_AND_UTILITIES_GAS_AND_ELECTRICITY", "4900"),
    "office/water_utility": ("RENT_AND_UTILITIES_WATER", "4900"),
}


def _words(text: str) -> frozenset[str]:
    """Whitespace-separated words of a block of text."""
    return frozenset(text.split())


class SiSpec(NamedTuple):
    """A simple-icons brand kept as a merchant: category, MCC, website override."""

    detailed: str
    mcc: str
    website: str = ""


_TV = ("ENTERTAINMENT_TV_AND_MOVIES", "4899")
_MUSIC = ("ENTERTAINMENT_MUSIC_AND_AUDIO", "5815")
_GAMES = ("ENTERTAINMENT_VIDEO_GAMES", "5816")
_APP = ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "5817")
_SOFT = ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "5734")
_HOST = ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "4816")
_NEWS = ("GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS", "5968")
_EDU = ("GENERAL_SERVICES_EDUCATION", "8299")
_AIR = ("TRAVEL_FLIGHTS", "4511")
_RAIL = ("TRANSPORTATION_PUBLIC_TRANSIT", "4112")
_TRANSIT = ("TRANSPORTATION_PUBLIC_TRANSIT", "4111")
_HOTEL = ("TRAVEL_LODGING", "7011")
_TRAVEL = ("TRAVEL_OTHER_TRAVEL", "4722")
_MARKET = ("GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", "5399")
_CLOTHES = ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", "5651")
_SHOES = ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", "5661")
_ELEC = ("GENERAL_MERCHANDISE_ELECTRONICS", "5732")
_GROCER = ("FOOD_AND_DRINK_GROCERIES", "5411")
_DELIVERY = ("FOOD_AND_DRINK_RESTAURANT", "5812")
_FAST = ("FOOD_AND_DRINK_FAST_FOOD", "5814")
_PHONE = ("RENT_AND_UTILITIES_TELEPHONE", "4814")
_CABLE = ("RENT_AND_UTILITIES_INTERNET_AND_CABLE", "4899")
_SHIP = ("GENERAL_SERVICES_POSTAGE_AND_SHIPPING", "4215")
_TICKETS = ("ENTERTAINMENT_OTHER_ENTERTAINMENT", "7922")
_INVEST = ("TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS", "6211")
_BNPL = ("LOAN_PAYMENTS_OTHER_PAYMENT", "6012")
_GIVE = ("GOVERNMENT_AND_NON_PROFIT_DONATIONS", "8398")
_SECURITY = ("HOME_IMPROVEMENT_SECURITY", "7393")


def _si(spec: tuple[str, str], website: str = "") -> SiSpec:
    """Build a SiSpec from a (category, mcc) pair and optional website."""
    return SiSpec(spec[0], spec[1], website)


# simple-icons slug -> spec.  Only consumer-facing merchants are listed; the
# ~3,400 other icons (languages, libraries, dev tools, car makers, banks,
# payment intermediaries, social networks without consumer billing) are
# dropped.  A website is given where the icon's `source` URL is not the
# brand's own site (GitHub, Wikimedia, brand portals, parent companies).
SIMPLE_ICONS_ALLOW: Final[dict[str, SiSpec]] = {
    # video streaming / TV
    "netflix": _si(_TV),
    "hbo": _si(_TV),
    "hbomax": _si(_TV, "hbomax.com"),
    "paramountplus": _si(_TV, "paramountplus.com"),
    "youtube": _si(_TV),
    "youtubetv": _si(_TV, "youtube.com"),
    "crunchyroll": _si(_TV),
    "mubi": _si(_TV),
    "fubo": _si(_TV),
    "starz": _si(_TV),
    "tubi": _si(_TV),
    "dazn": _si(_TV),
    "now": _si(_TV),
    "viaplay": _si(_TV, "viaplay.com"),
    "foxtel": _si(_TV),
    "plex": _si(_TV),
    "roku": _si(_TV),
    "itvx": _si(_TV, "itv.com"),
    "fandango": _si(("ENTERTAINMENT_TV_AND_MOVIES", "7832")),
    "twitch": _si(_TV),
    "nebula": _si(_TV),
    "floatplane": _si(_TV),
    "onlyfans": _si(("ENTERTAINMENT_OTHER_ENTERTAINMENT", "5817")),
    "sky": _si(_CABLE, "sky.com"),
    # music & audio
    "spotify": _si(_MUSIC, "spotify.com"),
    "deezer": _si(_MUSIC, "deezer.com"),
    "tidal": _si(_MUSIC),
    "pandora": _si(_MUSIC, "pandora.com"),
    "soundcloud": _si(_MUSIC),
    "iheartradio": _si(_MUSIC),
    "napster": _si(_MUSIC),
    "bandcamp": _si(_MUSIC),
    "beatport": _si(_MUSIC),
    "mixcloud": _si(_MUSIC),
    "youtubemusic": _si(_MUSIC, "youtube.com"),
    "audible": _si(("GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS", "5815"), "audible.com"),
    "rakutenkobo": _si(("GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS", "5815")),
    # tickets
    "ticketmaster": _si(_TICKETS, "ticketmaster.com"),
    "stubhub": _si(_TICKETS),
    "seatgeek": _si(_TICKETS),
    # games
    "playstation": _si(_GAMES),
    "steam": _si(_GAMES, "steampowered.com"),
    "epicgames": _si(_GAMES),
    "ea": _si(_GAMES),
    "ubisoft": _si(_GAMES),
    "battledotnet": _si(_GAMES),
    "riotgames": _si(_GAMES),
    "roblox": _si(_GAMES),
    "humblebundle": _si(_GAMES),
    "gogdotcom": _si(_GAMES, "gog.com"),
    "itchdotio": _si(_GAMES),
    "g2a": _si(_GAMES, "g2a.com"),
    "rockstargames": _si(_GAMES),
    "squareenix": _si(_GAMES),
    "nexon": _si(_GAMES),
    "chessdotcom": _si(_GAMES),
    "shadow": _si(_GAMES),
    # food delivery, meal kits, online grocery
    "doordash": _si(_DELIVERY),
    "ubereats": _si(_DELIVERY, "ubereats.com"),
    "deliveroo": _si(_DELIVERY),
    "justeat": _si(_DELIVERY),
    "postmates": _si(_DELIVERY),
    "foodpanda": _si(_DELIVERY),
    "glovo": _si(_DELIVERY),
    "swiggy": _si(_DELIVERY),
    "zomato": _si(_DELIVERY),
    "ifood": _si(_DELIVERY),
    "instacart": _si(_GROCER),
    "hellofresh": _si(_GROCER, "hellofresh.com"),
    "picnic": _si(_GROCER),
    "bigbasket": _si(_GROCER),
    # rides, bikes
    "uber": _si(("TRANSPORTATION_TAXIS_AND_RIDE_SHARES", "4121"), "uber.com"),
    "lyft": _si(("TRANSPORTATION_TAXIS_AND_RIDE_SHARES", "4121")),
    "grab": _si(("TRANSPORTATION_TAXIS_AND_RIDE_SHARES", "4121"), "grab.com"),
    "gojek": _si(("TRANSPORTATION_TAXIS_AND_RIDE_SHARES", "4121")),
    "nextbike": _si(("TRANSPORTATION_BIKES_AND_SCOOTERS", "4111")),
    # fast food & coffee
    "starbucks": _si(("FOOD_AND_DRINK_COFFEE", "5814")),
    "mcdonalds": _si(_FAST),
    "burgerking": _si(_FAST),
    "kfc": _si(_FAST),
    "tacobell": _si(_FAST),
    "hungryjacks": _si(_FAST),
    # lodging & travel
    "airbnb": _si(_HOTEL),
    "bookingdotcom": _si(_HOTEL, "booking.com"),
    "hotelsdotcom": _si(_HOTEL),
    "oyo": _si(_HOTEL),
    "hilton": _si(_HOTEL),
    "marriott": _si(_HOTEL),
    "ritzcarlton": _si(_HOTEL),
    "expedia": _si(_TRAVEL, "expedia.com"),
    "tripadvisor": _si(_TRAVEL, "tripadvisor.com"),
    "klook": _si(_TRAVEL),
    "tripdotcom": _si(_TRAVEL),
    "tui": _si(_TRAVEL, "tui.com"),
    # airlines
    "aeroflot": _si(_AIR),
    "aeromexico": _si(_AIR),
    "aircanada": _si(_AIR),
    "airchina": _si(_AIR),
    "airfrance": _si(_AIR),
    "airindia": _si(_AIR),
    "airserbia": _si(_AIR),
    "airtransat": _si(_AIR),
    "airasia": _si(_AIR),
    "akasaair": _si(_AIR),
    "americanairlines": _si(_AIR, "aa.com"),
    "ana": _si(_AIR),
    "avianca": _si(_AIR),
    "britishairways": _si(_AIR),
    "chinaeasternairlines": _si(_AIR, "ceair.com"),
    "chinasouthernairlines": _si(_AIR),
    "copaairlines": _si(_AIR),
    "delta": _si(_AIR, "delta.com"),
    "easyjet": _si(_AIR),
    "emirates": _si(_AIR),
    "ethiopianairlines": _si(_AIR),
    "etihadairways": _si(_AIR),
    "iberia": _si(_AIR),
    "indigo": _si(_AIR),
    "japanairlines": _si(_AIR),
    "jetblue": _si(_AIR),
    "klm": _si(_AIR),
    "lotpolishairlines": _si(_AIR),
    "lufthansa": _si(_AIR),
    "norwegian": _si(_AIR),
    "pegasusairlines": _si(_AIR),
    "qantas": _si(_AIR),
    "qatarairways": _si(_AIR),
    "ryanair": _si(_AIR),
    "s7airlines": _si(_AIR),
    "saudia": _si(_AIR, "saudia.com"),
    "silverairways": _si(_AIR),
    "singaporeairlines": _si(_AIR),
    "southwestairlines": _si(_AIR),
    "tarom": _si(_AIR),
    "turkishairlines": _si(_AIR),
    "unitedairlines": _si(_AIR),
    "virginatlantic": _si(_AIR),
    "wizzair": _si(_AIR),
    # rail & transit
    "deutschebahn": _si(_RAIL),
    "sncf": _si(_RAIL),
    "obb": _si(_RAIL, "oebb.at"),
    "nederlandsespoorwegen": _si(_RAIL),
    "nationalrail": _si(_RAIL, "nationalrail.co.uk"),
    "transportforlondon": _si(_TRANSIT),
    "mta": _si(_TRANSIT),
    "bvg": _si(_TRANSIT),
    "iledefrancemobilites": _si(_TRANSIT),
    "transportforireland": _si(_TRANSIT),
    # clothing & shoes
    "adidas": _si(_SHOES),
    "nike": _si(_SHOES),
    "puma": _si(_SHOES),
    "reebok": _si(_SHOES),
    "newbalance": _si(_SHOES),
    "bata": _si(_SHOES),
    "underarmour": _si(_CLOTHES),
    "thenorthface": _si(_CLOTHES),
    "uniqlo": _si(_CLOTHES),
    "zara": _si(_CLOTHES),
    "handm": _si(_CLOTHES),
    "fila": _si(_CLOTHES),
    "hellyhansen": _si(_CLOTHES),
    "burton": _si(_CLOTHES),
    "dior": _si(_CLOTHES),
    "farfetch": _si(_CLOTHES),
    "zalando": _si(_CLOTHES, "zalando.de"),
    "expressdotcom": _si(_CLOTHES),
    "veepee": _si(_CLOTHES),
    # marketplaces & online retail
    "ebay": _si(_MARKET, "ebay.com"),
    "etsy": _si(_MARKET),
    "vinted": _si(_MARKET),
    "aliexpress": _si(_MARKET, "aliexpress.com"),
    "shopee": _si(_MARKET),
    "taobao": _si(_MARKET, "taobao.com"),
    "allegro": _si(_MARKET),
    "rakuten": _si(_MARKET),
    "wish": _si(_MARKET),
    "stockx": _si(_MARKET),
    "redbubble": _si(_MARKET),
    "society6": _si(_MARKET),
    "threadless": _si(_MARKET),
    "zazzle": _si(_MARKET),
    "spreadshirt": _si(_MARKET, "spreadshirt.com"),
    "otto": _si(_MARKET, "otto.de"),
    "galaxus": _si(_MARKET),
    "groupon": _si(_MARKET),
    "newegg": _si(_ELEC),
    # stores
    "target": _si(("GENERAL_MERCHANDISE_SUPERSTORES", "5310")),
    "samsclub": _si(("GENERAL_MERCHANDISE_SUPERSTORES", "5300")),
    "macys": _si(("GENERAL_MERCHANDISE_DEPARTMENT_STORES", "5311"), "macys.com"),
    "coppel": _si(("GENERAL_MERCHANDISE_DEPARTMENT_STORES", "5311")),
    "argos": _si(("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5964")),
    "tesco": _si(_GROCER),
    "asda": _si(_GROCER),
    "morrisons": _si(_GROCER),
    "iceland": _si(_GROCER),
    "aldinord": _si(_GROCER, "aldi-nord.de"),
    "aldisud": _si(_GROCER),
    "lidl": _si(_GROCER),
    "edeka": _si(_GROCER),
    "rewe": _si(_GROCER),
    "kaufland": _si(_GROCER, "kaufland.de"),
    "netto": _si(_GROCER),
    "penny": _si(_GROCER),
    "albertheijn": _si(_GROCER),
    "auchan": _si(_GROCER),
    "carrefour": _si(_GROCER, "carrefour.com"),
    "intermarche": _si(_GROCER),
    "monoprix": _si(_GROCER),
    "franprix": _si(_GROCER),
    "leaderprice": _si(_GROCER),
    "grandfrais": _si(_GROCER),
    "magasinsu": _si(_GROCER),
    "edotleclerc": _si(_GROCER),
    "cora": _si(_GROCER),
    "continente": _si(_GROCER),
    "chedraui": _si(_GROCER),
    "soriana": _si(_GROCER),
    "coop": _si(_GROCER, "coop.co.uk"),
    "zabka": _si(("GENERAL_MERCHANDISE_CONVENIENCE_STORES", "5499")),
    "dm": _si(("MEDICAL_PHARMACIES_AND_SUPPLEMENTS", "5912")),
    "rossmann": _si(("MEDICAL_PHARMACIES_AND_SUPPLEMENTS", "5912")),
    "muller": _si(("MEDICAL_PHARMACIES_AND_SUPPLEMENTS", "5912")),
    "boots": _si(("MEDICAL_PHARMACIES_AND_SUPPLEMENTS", "5912"), "boots.com"),
    "petsathome": _si(("GENERAL_MERCHANDISE_PET_SUPPLIES", "5995")),
    "ikea": _si(("HOME_IMPROVEMENT_FURNITURE", "5712")),
    "leroymerlin": _si(("HOME_IMPROVEMENT_HARDWARE", "5200")),
    "castorama": _si(("HOME_IMPROVEMENT_HARDWARE", "5200")),
    "autozone": _si(("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", "5533")),
    "mediamarkt": _si(_ELEC),
    "saturn": _si(_ELEC),
    "boulanger": _si(_ELEC),
    "darty": _si(_ELEC),
    "fnac": _si(_ELEC),
    "globus": _si(_GROCER),
    "voelkner": _si(_ELEC),
    "scan": _si(_ELEC),
    "nbb": _si(_ELEC, "notebooksbilliger.de"),
    "cultura": _si(("GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS", "5942")),
    # electronics makers with direct stores
    "apple": _si(_ELEC),
    "samsung": _si(_ELEC),
    "dell": _si(_ELEC),
    "lenovo": _si(_ELEC),
    "hp": _si(_ELEC, "hp.com"),
    "bose": _si(_ELEC),
    "sonos": _si(_ELEC),
    "razer": _si(_ELEC),
    "dji": _si(_ELEC),
    "garmin": _si(_ELEC, "garmin.com"),
    "fitbit": _si(_ELEC),
    "xiaomi": _si(_ELEC),
    "oneplus": _si(_ELEC),
    "sony": _si(_ELEC),
    # telecoms, cable, utilities
    "atandt": _si(_PHONE),
    "verizon": _si(_PHONE, "verizon.com"),
    "orange": _si(_PHONE),
    "vodafone": _si(_PHONE, "vodafone.com"),
    "o2": _si(_PHONE, "o2.co.uk"),
    "odido": _si(_PHONE),
    "telenor": _si(_PHONE),
    "sunrise": _si(_PHONE),
    "boost": _si(_PHONE),
    "airtel": _si(_PHONE),
    "jio": _si(_PHONE, "jio.com"),
    "fizz": _si(_PHONE),
    "freenet": _si(_PHONE, "freenet.de"),
    "deutschetelekom": _si(_PHONE, "telekom.de"),
    "movistar": _si(_PHONE, "movistar.es"),
    "1and1": _si(_PHONE, "1und1.de"),
    "bt": _si(_CABLE),
    "virginmedia": _si(_CABLE, "virginmedia.com"),
    "ziggo": _si(_CABLE, "ziggo.nl"),
    "nationalgrid": _si(("RENT_AND_UTILITIES_GAS_AND_ELECTRICITY", "4900")),
    # software & subscriptions billed to consumers
    "1password": _si(_SOFT),
    "lastpass": _si(_SOFT),
    "bitwarden": _si(_SOFT),
    "dashlane": _si(_SOFT, "dashlane.com"),
    "keeper": _si(_SOFT, "keepersecurity.com"),
    "norton": _si(_SOFT),
    "mcafee": _si(_SOFT),
    "kaspersky": _si(_SOFT),
    "avast": _si(_SOFT),
    "bitdefender": _si(_SOFT),
    "malwarebytes": _si(_SOFT),
    "nordvpn": _si(_HOST),
    "expressvpn": _si(_HOST),
    "surfshark": _si(_HOST),
    "proton": _si(_HOST),
    "mullvad": _si(_HOST),
    "privateinternetaccess": _si(_HOST),
    "dropbox": _si(_HOST),
    "box": _si(_HOST),
    "mega": _si(_HOST),
    "backblaze": _si(_HOST),
    "tresorit": _si(_HOST),
    "digitalocean": _si(_HOST),
    "cloudflare": _si(_HOST),
    "hetzner": _si(_HOST),
    "ovh": _si(_HOST),
    "vultr": _si(_HOST),
    "hostinger": _si(_HOST),
    "ionos": _si(_HOST),
    "squarespace": _si(_HOST),
    "wix": _si(_HOST),
    "godaddy": _si(_HOST, "godaddy.com"),
    "namecheap": _si(_HOST),
    "github": _si(_APP, "github.com"),
    "notion": _si(_APP),
    "evernote": _si(_APP),
    "todoist": _si(_APP, "todoist.com"),
    "zoom": _si(_APP),
    "calendly": _si(_APP),
    "grammarly": _si(_APP),
    "mailchimp": _si(_APP),
    "discord": _si(_APP),
    "claude": _si(_APP),
    "perplexity": _si(_APP),
    "strava": _si(_APP, "strava.com"),
    "headspace": _si(("PERSONAL_CARE_OTHER_PERSONAL_CARE", "5817")),
    "peloton": _si(("PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS", "7997")),
    "trainerroad": _si(("PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS", "5817")),
    "tinder": _si(("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7273"), "tinder.com"),
    "okcupid": _si(("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7273")),
    "badoo": _si(("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7273")),
    "fiverr": _si(("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7399")),
    "upwork": _si(("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7399")),
    "thumbtack": _si(("GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "7399")),
    "homeadvisor": _si(("HOME_IMPROVEMENT_OTHER_HOME_IMPROVEMENT", "7399")),
    "houzz": _si(("HOME_IMPROVEMENT_OTHER_HOME_IMPROVEMENT", "5712")),
    "intuit": _si(("GENERAL_SERVICES_ACCOUNTING_AND_FINANCIAL_PLANNING", "7276")),
    # news & reading subscriptions
    "newyorktimes": _si(_NEWS),
    "thewashingtonpost": _si(_NEWS),
    "theguardian": _si(_NEWS),
    "medium": _si(_NEWS, "medium.com"),
    "substack": _si(_NEWS),
    "oreilly": _si(_EDU),
    # education
    "duolingo": _si(_EDU),
    "coursera": _si(_EDU),
    "udemy": _si(_EDU),
    "skillshare": _si(_EDU),
    "codecademy": _si(_EDU),
    "udacity": _si(_EDU),
    "edx": _si(_EDU),
    "datacamp": _si(_EDU),
    "pluralsight": _si(_EDU),
    "futurelearn": _si(_EDU),
    "quizlet": _si(_EDU),
    "byjus": _si(_EDU),
    "unacademy": _si(_EDU),
    # shipping
    "ups": _si(_SHIP),
    "usps": _si(("GENERAL_SERVICES_POSTAGE_AND_SHIPPING", "9402")),
    "fedex": _si(_SHIP),
    "dhl": _si(_SHIP, "dhl.com"),
    "dpd": _si(_SHIP),
    "hermes": _si(_SHIP),
    "deutschepost": _si(("GENERAL_SERVICES_POSTAGE_AND_SHIPPING", "9402")),
    # money movement, BNPL, investing, giving
    "westernunion": _si(("TRANSFER_OUT_OTHER_TRANSFER_OUT", "4829")),
    "moneygram": _si(("TRANSFER_OUT_OTHER_TRANSFER_OUT", "4829")),
    "afterpay": _si(_BNPL),
    "klarna": _si(_BNPL, "klarna.com"),
    "zilch": _si(_BNPL),
    "robinhood": _si(_INVEST),
    "coinbase": _si(_INVEST),
    "binance": _si(_INVEST),
    "kucoin": _si(_INVEST),
    "gofundme": _si(_GIVE),
    "justgiving": _si(_GIVE),
    "everydotorg": _si(_GIVE),
    # home security, cars
    "ring": _si(_SECURITY, "ring.com"),
    "vivint": _si(_SECURITY, "vivint.com"),
    "arlo": _si(_SECURITY),
    "tesla": _si(("GENERAL_SERVICES_AUTOMOTIVE", "5511")),
}

# Extra descriptor forms for merchants coming from the packages, keyed by the
# normalised merchant name (see build_catalogue.norm_name).
ALIAS_EXTRAS: Final[dict[str, tuple[str, ...]]] = {
    "starbucks": ("STARBUCKS STORE", "STARBUCKS CARD RELOAD", "SBUX"),
    "walmart": ("WAL-MART", "WM SUPERCENTER", "WALMART.COM", "WMT PLUS", "WAL MART"),
    "target": ("TARGET.COM", "TARGET T-"),
    "costco": ("COSTCO WHSE", "COSTCO GAS", "COSTCO.COM"),
    "mcdonalds": ("MCDONALD'S F", "MCDONALDS F"),
    "tesco": ("TESCO STORES", "TESCO STORE", "TESCO PFS"),
    "sainsburys": ("SAINSBURYS S/MKTS", "JS ONLINE GROCERY"),
    "cvspharmacy": ("CVS/PHARMACY", "CVS PHARMACY", "CVS"),
    "walgreens": ("WALGREENS #", "WAG"),
    "thehomedepot": ("HOME DEPOT", "THE HOME DEPOT", "HOMEDEPOT.COM"),
    "lowes": ("LOWE'S", "LOWES #"),
    "7eleven": ("7-ELEVEN", "7 ELEVEN", "7ELEVEN"),
    "chickfila": ("CHICK-FIL-A", "CHICK FIL A", "CFA"),
    "dunkin": ("DUNKIN #", "DUNKIN DONUTS"),
    "playstation": ("PLAYSTATION NETWORK", "SONY PLAYSTATION", "PSN"),
    "ebay": ("EBAY O*", "EBAY INC", "EBAY COMMERCE"),
    "etsy": ("ETSY.COM", "ETSY INC"),
    "airbnb": ("AIRBNB HMXX", "AIRBNB * "),
    "audible": ("AUDIBLE*", "AUDIBLE US"),
    "aldisud": ("ALDI",),
    "deliveroo": ("DELIVEROO.CO.UK",),
}

# (normalised name, website) -> (Plaid DETAILED, MCC): fixes where the OSM
# tag gives a defensible but not the usual bank-statement category.
CATEGORY_OVERRIDES: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("walmart", "walmart.com"): ("GENERAL_MERCHANDISE_SUPERSTORES", "5310"),
    ("target", "target.com"): ("GENERAL_MERCHANDISE_SUPERSTORES", "5310"),
    ("costco", "costco.com"): ("GENERAL_MERCHANDISE_SUPERSTORES", "5300"),
    ("samsclub", "samsclub.com"): ("GENERAL_MERCHANDISE_SUPERSTORES", "5300"),
    ("bjswholesaleclub", "bjs.com"): ("GENERAL_MERCHANDISE_SUPERSTORES", "5300"),
    ("meijer", "meijer.com"): ("GENERAL_MERCHANDISE_SUPERSTORES", "5310"),
    ("fredmeyer", "fredmeyer.com"): ("GENERAL_MERCHANDISE_SUPERSTORES", "5310"),
    ("amazon", "amazon.com"): ("GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", "5399"),
}

# (normalised name, derived website) -> website: Wikidata sometimes lists a
# corporate or investor site first; banks and users know the shop's domain.
WEBSITE_OVERRIDES: Final[dict[tuple[str, str], str]] = {
    ("tesco", "tescoplc.com"): "tesco.com",
    ("sainsburys", "about.sainsburys.co.uk"): "sainsburys.co.uk",
    ("sainsburys", "sainsburys.co.uk"): "sainsburys.co.uk",
}

# Payment intermediaries, P2P apps and banks: never merchants in their own
# right (the real merchant follows their prefix in the descriptor).
EXCLUDED_NAMES: Final[frozenset[str]] = frozenset(
    {
        "paypal",
        "venmo",
        "cashapp",
        "zelle",
        "square",
        "stripe",
        "braintree",
        "shopify",
        "sumup",
        "clover",
        "toast",
        "paddle",
        "fastspring",
        "2checkout",
        "applepay",
        "googlepay",
        "samsungpay",
        "alipay",
        "wechatpay",
        "payoneer",
        "wise",
        "revolut",
        "monzo",
        "n26",
        "starlingbank",
        "nubank",
    }
)

# Common English words that are too ambiguous as a bare merchant name (< 4
# letters).  Curated and allowlisted entries are exempt.
SHORT_COMMON_WORDS: Final[frozenset[str]] = _words("""
a an and are as at be by do go he if in is it me my no of on or so to up us we
ace act add age ago aid aim air all any app arm art ask bad bag bar bat bay bed
bee big bin bit box boy bud bug bus but buy can cap car cat cow cry cup cut dad
day did die dig dog dot dry due ear eat egg end era eve eye fan far fat fee few
fig fit fix fly fog for fox fun fur gap gas get gift god got gum gun guy gym had
ham has hat her hey hid him hip his hit hot how hub hug ice ink inn its jam jar
jaw jet job joy key kid kit lab lap law lay leg let lid lie lip lit log lot low
mad man map max may mix mom mud mug net new nod nor not now nut oak odd off oil
old one our out owl own pad pal pan par pay pea pen pet pie pig pin pit pod pop
pot pro pub put rag ram ran rat raw red rib rid rim rod row rub rug run sad saw
say sea see set sew she shy sin sip sir sit six ski sky sly son soy spa spy sub
sum sun tab tag tan tap tax tea ten the tie tin tip toe ton too top toy try tub
two use van vet via war was wax way web wet who why win wit yes yet you zip zoo
""")

# Hosts that are platforms, not a brand's own site (Wikidata sometimes lists a
# Facebook page or a page builder as the official website).
PLATFORM_DOMAINS: Final[frozenset[str]] = frozenset(
    {
        "facebook.com",
        "instagram.com",
        "twitter.com",
        "x.com",
        "linkedin.com",
        "youtube.com",
        "google.com",
        "goo.gl",
        "blogspot.com",
        "wordpress.com",
        "wixsite.com",
        "weebly.com",
        "jimdo.com",
        "jimdofree.com",
        "github.com",
        "github.io",
        "wikipedia.org",
        "wikimedia.org",
        "wikidata.org",
        "linktr.ee",
        "business.site",
        "myshopify.com",
        "square.site",
        "vk.com",
        "ok.ru",
        "tripadvisor.com",
        "yelp.com",
        "bit.ly",
        "t.me",
        "tiktok.com",
        "apple.com",
        "amazon.com",
        "ebay.com",
        "webnode.page",
        "site123.me",
        "carrd.co",
        "brandfolder.com",
        "figma.com",
        "withgoogle.com",
        "cloudfront.net",
        "githubusercontent.com",
        "netlify.app",
        "vercel.app",
        "canva.site",
    }
)

# Second-level labels under a two-letter ccTLD that form a public suffix
# (example.co.uk, example.com.au, example.gov.uk, ...).
SECOND_LEVEL_LABELS: Final[frozenset[str]] = frozenset(
    {
        "ac",
        "co",
        "com",
        "edu",
        "gen",
        "go",
        "gob",
        "gov",
        "gv",
        "info",
        "ltd",
        "mil",
        "ne",
        "net",
        "nic",
        "nom",
        "or",
        "org",
        "plc",
        "sch",
        "web",
        "biz",
    }
)

# Registrar-run suffixes under generic TLDs (example.uk.com, example.us.com).
PSEUDO_SUFFIXES: Final[frozenset[str]] = frozenset(
    {
        "uk.com",
        "us.com",
        "eu.com",
        "gb.com",
        "gb.net",
        "uk.net",
        "co.com",
        "br.com",
        "cn.com",
        "de.com",
        "jpn.com",
        "ru.com",
        "sa.com",
        "za.com",
        "com.de",
    }
)

ISO_COUNTRIES: Final[frozenset[str]] = _words("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM
BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX
CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG
GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR
IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV
LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE
NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF
WS XK YE YT ZA ZM ZW
""")
