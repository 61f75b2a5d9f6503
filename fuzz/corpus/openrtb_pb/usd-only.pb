
usd-only
1¬únews.example* "	x$(nH@l	ù g³@HXriOSZUSD