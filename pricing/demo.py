"""Demo pricing data for `manage.py seed_demo`: a bilingual catalogue, price lists and rules
that show every part of the resolver. Idempotent: a firm with products is left alone."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.models import Firm
from core.services import save_audited
from crm.models import CustomerGroup

from .choices import ApplyOn, DiscountType, RewardType, RoundingMethod, RuleType
from .models import Brand, PriceList, PriceListItem, PricingRule, Product, ProductGroup

# (code, name, Arabic name, parent code)
GROUPS = [
    ("ELEC", "Electronics", "الإلكترونيات", None),
    ("LAPTOP", "Laptops", "أجهزة الحاسب المحمولة", "ELEC"),
    ("PHONE", "Phones", "الهواتف", "ELEC"),
    ("ACC", "Accessories", "الملحقات", "ELEC"),
    ("OFFICE", "Office", "المكتب", None),
    ("FURN", "Office furniture", "الأثاث المكتبي", "OFFICE"),
    ("STAT", "Stationery", "القرطاسية", "OFFICE"),
]
BRANDS = [("NOVA", "Nova", "نوفا"), ("FALCON", "Falcon", "فالكون"),
          ("SAHARA", "Sahara Office", "صحارى للمكاتب")]
# (code, name, Arabic name, group, brand, unit, standard price, cost price)
PRODUCTS = [
    ("LT-100", "Nova Book 14 laptop", "حاسب نوفا بوك 14 محمول", "LAPTOP", "NOVA", "unit",
     "3450", "2700"),
    ("LT-200", "Nova Book Pro 16 laptop", "حاسب نوفا بوك برو 16 محمول", "LAPTOP", "NOVA",
     "unit",
     "5990", "4800"),
    ("LT-300", "Falcon Slim 13 laptop", "حاسب فالكون سليم 13 محمول", "LAPTOP", "FALCON", "unit",
     "2899", "2250"),
    ("PH-100", "Falcon X smartphone", "هاتف فالكون إكس الذكي", "PHONE", "FALCON", "unit",
     "2499", "1900"),
    ("PH-200", "Nova One smartphone", "هاتف نوفا ون الذكي", "PHONE", "NOVA", "unit", "1799",
     "1350"),
    ("AC-100", "USB-C charger 65 W", "شاحن USB-C بقدرة 65 واط", "ACC", "NOVA", "unit", "149",
     "85"),
    ("AC-200", "Wireless mouse", "فأرة لاسلكية", "ACC", "FALCON", "unit", "89", "45"),
    ("AC-300", "Laptop backpack", "حقيبة ظهر للحاسب المحمول", "ACC", "FALCON", "unit", "199",
     "110"),
    ("AC-400", "Screen protector", "واقي الشاشة", "ACC", "NOVA", "unit", "39", "12"),
    ("FU-100", "Ergonomic office chair", "كرسي مكتب مريح", "FURN", "SAHARA", "unit", "1250",
     "820"),
    ("FU-200", "Standing desk 160 cm", "مكتب وقوف 160 سم", "FURN", "SAHARA", "unit", "2400",
     "1650"),
    ("FU-300", "Filing cabinet, 3 drawers", "خزانة ملفات بثلاثة أدراج", "FURN", "SAHARA",
     "unit", "780", "510"),
    ("ST-100", "A4 copy paper, box of 5 reams", "ورق تصوير A4، كرتون 5 رزم", "STAT",
     "SAHARA", "box", "95", "62"),
    ("ST-200", "Blue ballpoint pens, box of 50", "أقلام حبر زرقاء، علبة 50 قلماً", "STAT",
     "SAHARA", "box", "45", "24"),
    ("ST-300", "Whiteboard markers, set of 4", "أقلام سبورة، طقم من 4", "STAT", "SAHARA",
     "set", "28", "14"),
]


def _save(instance, actor, **m2m):
    save_audited(instance, actor=actor, reason="demo data")
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    return instance


@transaction.atomic
def pricing_seed_demo(*, firm: Firm, users: dict) -> None:
    if Product.objects.filter(firm=firm).exists():
        return  # seeded before: leave staff's changes alone
    actor = users.get("admin")
    groups: dict[str, ProductGroup] = {}
    for code, name, name_ar, parent in GROUPS:
        groups[code] = _save(ProductGroup(firm=firm, code=code, name=name, name_ar=name_ar,
                                          parent=groups.get(parent)), actor)
    brands = {code: _save(Brand(firm=firm, code=code, name=name, name_ar=name_ar), actor)
              for code, name, name_ar in BRANDS}
    products: dict[str, Product] = {}
    for code, name, name_ar, group, brand, unit, price, cost in PRODUCTS:
        products[code] = _save(Product(
            firm=firm, code=code, name=name, name_ar=name_ar, group=groups[group],
            brand=brands[brand], unit=unit, standard_price=Decimal(price),
            cost_price=Decimal(cost)), actor)

    retail = _save(PriceList(firm=firm, code="RETAIL", name="Retail prices",
                             name_ar="أسعار التجزئة", is_default=True, priority=10), actor)
    for code, price in [("LT-100", "3399"), ("LT-200", "5899"), ("PH-100", "2449"),
                        ("FU-100", "1199")]:
        _save(PriceListItem(firm=firm, price_list=retail, product=products[code],
                            price=Decimal(price)), actor)
    # Quantity breaks: cheaper by the box from 10 and from 50.
    for minimum, price in [("1", "95"), ("10", "89"), ("50", "84")]:
        _save(PriceListItem(firm=firm, price_list=retail, product=products["ST-100"],
                            price=Decimal(price), min_quantity=Decimal(minimum)), actor)
    _save(PriceList(firm=firm, code="PROJECTS", name="Projects (installed)",
                    name_ar="المشاريع (مع التركيب)", based_on=retail,
                    markup_percent=Decimal("8"), rounding_method=RoundingMethod.UP,
                    rounding_precision=0, priority=5,
                    description="Retail prices plus 8 % for delivery and installation, "
                                "rounded up to whole riyals."), actor)
    wholesale_group = CustomerGroup.objects.filter(firm=firm, name="Wholesale").first()
    wholesale = _save(PriceList(firm=firm, code="WHOLESALE", name="Wholesale",
                                name_ar="أسعار الجملة", priority=20,
                                discount_percent=Decimal("12")), actor,
                      customer_groups=[wholesale_group] if wholesale_group else [])
    for code in ("ST-100", "ST-200", "ST-300", "AC-200"):
        _save(PriceListItem(firm=firm, price_list=wholesale, product=products[code],
                            price=products[code].standard_price), actor)

    today = timezone.localdate()
    _save(PricingRule(firm=firm, code="LAPTOP-VOL", name="Laptops: 5 % from 5 units",
                      name_ar="أجهزة محمولة: خصم 5٪ من 5 وحدات", apply_on=ApplyOn.ITEM_GROUP,
                      discount_type=DiscountType.PERCENTAGE, discount_value=Decimal("5"),
                      min_quantity=Decimal("5"), priority=20), actor,
          product_groups=[groups["LAPTOP"]])
    _save(PricingRule(firm=firm, code="RAMADAN15", name="Ramadan offer 15 %",
                      name_ar="عرض رمضان 15٪", type=RuleType.PROMOTIONAL,
                      discount_type=DiscountType.PERCENTAGE, discount_value=Decimal("15"),
                      max_discount_amount=Decimal("500"), promotion_code="RAMADAN15",
                      requires_promo_code=True, usage_limit=200, usage_limit_per_customer=2,
                      valid_from=today, valid_to=today + datetime.timedelta(days=30),
                      priority=30), actor)
    _save(PricingRule(firm=firm, code="MOUSE-B2G1", name="Buy 2 mice, get 1 free",
                      name_ar="اشترِ فأرتين واحصل على الثالثة مجاناً", type=RuleType.PROMOTIONAL,
                      apply_on=ApplyOn.ITEM_CODE, discount_type=DiscountType.PERCENTAGE,
                      discount_value=Decimal("0"), reward_type=RewardType.FREE_ITEM,
                      buy_quantity=Decimal("2"), reward_product=products["AC-200"],
                      reward_quantity=Decimal("1"), priority=15), actor,
          products=[products["AC-200"]])
    _save(PricingRule(firm=firm, code="WEEKEND-STAT", name="Weekend stationery 10 %",
                      name_ar="قرطاسية نهاية الأسبوع 10٪", apply_on=ApplyOn.ITEM_GROUP,
                      discount_type=DiscountType.PERCENTAGE, discount_value=Decimal("10"),
                      conditions=[{"field": "day_of_week", "operator": "in",
                                   "value": [4, 5]}],
                      priority=10), actor, product_groups=[groups["STAT"]])
    _save(PricingRule(firm=firm, code="FURN-BIG", name="Furniture orders over 10,000: 300 off",
                      name_ar="طلبات الأثاث فوق 10,000: خصم 300", apply_on=ApplyOn.ITEM_GROUP,
                      discount_type=DiscountType.FIXED_AMOUNT, discount_value=Decimal("300"),
                      min_amount=Decimal("10000"), priority=10), actor,
          product_groups=[groups["FURN"]])
