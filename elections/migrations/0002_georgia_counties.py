"""Georgia's 159 counties with their FIPS codes (U.S. Census Bureau, state code 13), and the
Secretary of State group whose members see and direct every county."""

from django.db import migrations

GEORGIA_COUNTIES = {
    "13001": "Appling", "13003": "Atkinson", "13005": "Bacon", "13007": "Baker", "13009": "Baldwin",
    "13011": "Banks", "13013": "Barrow", "13015": "Bartow", "13017": "Ben Hill", "13019": "Berrien",
    "13021": "Bibb", "13023": "Bleckley", "13025": "Brantley", "13027": "Brooks", "13029": "Bryan",
    "13031": "Bulloch", "13033": "Burke", "13035": "Butts", "13037": "Calhoun", "13039": "Camden",
    "13043": "Candler", "13045": "Carroll", "13047": "Catoosa", "13049": "Charlton", "13051": "Chatham",
    "13053": "Chattahoochee", "13055": "Chattooga", "13057": "Cherokee", "13059": "Clarke", "13061": "Clay",
    "13063": "Clayton", "13065": "Clinch", "13067": "Cobb", "13069": "Coffee", "13071": "Colquitt",
    "13073": "Columbia", "13075": "Cook", "13077": "Coweta", "13079": "Crawford", "13081": "Crisp",
    "13083": "Dade", "13085": "Dawson", "13087": "Decatur", "13089": "DeKalb", "13091": "Dodge",
    "13093": "Dooly", "13095": "Dougherty", "13097": "Douglas", "13099": "Early", "13101": "Echols",
    "13103": "Effingham", "13105": "Elbert", "13107": "Emanuel", "13109": "Evans", "13111": "Fannin",
    "13113": "Fayette", "13115": "Floyd", "13117": "Forsyth", "13119": "Franklin", "13121": "Fulton",
    "13123": "Gilmer", "13125": "Glascock", "13127": "Glynn", "13129": "Gordon", "13131": "Grady",
    "13133": "Greene", "13135": "Gwinnett", "13137": "Habersham", "13139": "Hall", "13141": "Hancock",
    "13143": "Haralson", "13145": "Harris", "13147": "Hart", "13149": "Heard", "13151": "Henry",
    "13153": "Houston", "13155": "Irwin", "13157": "Jackson", "13159": "Jasper", "13161": "Jeff Davis",
    "13163": "Jefferson", "13165": "Jenkins", "13167": "Johnson", "13169": "Jones", "13171": "Lamar",
    "13173": "Lanier", "13175": "Laurens", "13177": "Lee", "13179": "Liberty", "13181": "Lincoln",
    "13183": "Long", "13185": "Lowndes", "13187": "Lumpkin", "13189": "McDuffie", "13191": "McIntosh",
    "13193": "Macon", "13195": "Madison", "13197": "Marion", "13199": "Meriwether", "13201": "Miller",
    "13205": "Mitchell", "13207": "Monroe", "13209": "Montgomery", "13211": "Morgan", "13213": "Murray",
    "13215": "Muscogee", "13217": "Newton", "13219": "Oconee", "13221": "Oglethorpe", "13223": "Paulding",
    "13225": "Peach", "13227": "Pickens", "13229": "Pierce", "13231": "Pike", "13233": "Polk",
    "13235": "Pulaski", "13237": "Putnam", "13239": "Quitman", "13241": "Rabun", "13243": "Randolph",
    "13245": "Richmond", "13247": "Rockdale", "13249": "Schley", "13251": "Screven", "13253": "Seminole",
    "13255": "Spalding", "13257": "Stephens", "13259": "Stewart", "13261": "Sumter", "13263": "Talbot",
    "13265": "Taliaferro", "13267": "Tattnall", "13269": "Taylor", "13271": "Telfair", "13273": "Terrell",
    "13275": "Thomas", "13277": "Tift", "13279": "Toombs", "13281": "Towns", "13283": "Treutlen",
    "13285": "Troup", "13287": "Turner", "13289": "Twiggs", "13291": "Union", "13293": "Upson",
    "13295": "Walker", "13297": "Walton", "13299": "Ware", "13301": "Warren", "13303": "Washington",
    "13305": "Wayne", "13307": "Webster", "13309": "Wheeler", "13311": "White", "13313": "Whitfield",
    "13315": "Wilcox", "13317": "Wilkes", "13319": "Wilkinson", "13321": "Worth",
}  # fmt: skip


def load(apps, schema_editor):
    Jurisdiction = apps.get_model("elections", "Jurisdiction")
    Group = apps.get_model("auth", "Group")
    for fips, name in GEORGIA_COUNTIES.items():
        Jurisdiction.objects.update_or_create(
            fips=fips,
            defaults={
                "state": "GA",
                "kind": "county",
                "name": name,
                "superintendent_office": f"{name} County Board of Elections",
            },
        )
    Group.objects.get_or_create(name="Secretary of State")


def unload(apps, schema_editor):
    Jurisdiction = apps.get_model("elections", "Jurisdiction")
    Jurisdiction.objects.filter(fips__in=GEORGIA_COUNTIES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(load, unload)]
